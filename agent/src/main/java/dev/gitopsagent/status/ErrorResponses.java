package dev.gitopsagent.status;

import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * Every failed request of the API (status, control, webhook) answers JSON with a message, never a
 * bare 500 or an HTML page. An unexpected failure gets an error id that the log line with the cause
 * carries too, so an operator holding the answer finds the stack trace.
 */
public class ErrorResponses {

    private static final Logger LOG = Logger.getLogger(ErrorResponses.class);

    /** A request the API does not serve (404, 405, 415...): its own status, with the reason. */
    @ServerExceptionMapper
    public Response refused(WebApplicationException e) {
        Response original = e.getResponse();
        return Response.status(original.getStatus()).type(MediaType.APPLICATION_JSON)
                .entity(Map.of("message", e.getMessage() == null ? original.getStatusInfo().getReasonPhrase() : e.getMessage()))
                .build();
    }

    @ServerExceptionMapper
    public Response unexpected(Throwable e) {
        String id = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        LOG.errorf(e, "request failed, error id %s: %s", id, e);
        String cause = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return Response.status(Response.Status.INTERNAL_SERVER_ERROR).type(MediaType.APPLICATION_JSON)
                .entity(Map.of("message", "internal error " + id + ": " + cause + " (the agent's log has the details under this id)",
                        "errorId", id))
                .build();
    }
}
