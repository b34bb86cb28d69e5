package dev.gitopsagent.trigger;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.gitopsagent.config.AgentConfig;
import dev.gitopsagent.pipeline.Reconciler;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * {@code POST /webhook}: a forge's push notification. It only wakes the poller; what gets deployed
 * is still decided by fetching, verifying and building, never by the payload.
 */
@Path("/webhook")
@Produces(MediaType.APPLICATION_JSON)
public class WebhookResource {

    private static final Logger LOG = Logger.getLogger(WebhookResource.class);

    private final Optional<WebhookAuthenticator> authenticator;
    private final WebhookThrottle throttle;
    private final int maxBodyBytes;
    private final List<String> watchedRefs;
    private final ObjectMapper json;

    WebhookResource(Optional<WebhookAuthenticator> authenticator, WebhookThrottle throttle, AgentConfig config, Reconciler reconciler,
            ObjectMapper json) {
        this.authenticator = authenticator;
        this.throttle = throttle;
        this.maxBodyBytes = config.webhook().maxBodyBytes();
        this.watchedRefs = reconciler.target().branches().stream().map(branch -> "refs/heads/" + branch).toList();
        this.json = json;
    }

    @POST
    public Response receive(HttpHeaders headers, InputStream body) throws IOException {
        if (authenticator.isEmpty()) {
            return answer(Response.Status.UNAUTHORIZED, "webhooks are disabled: set gitops.webhook.secret-file");
        }
        byte[] payload = body.readNBytes(maxBodyBytes + 1);
        if (payload.length > maxBodyBytes) {
            return answer(Response.Status.REQUEST_ENTITY_TOO_LARGE, "body larger than gitops.webhook.max-body-bytes (" + maxBodyBytes + ")");
        }
        WebhookAuthenticator.Verdict verdict = authenticator.get().authenticate(headers::getHeaderString, payload);
        if (verdict instanceof WebhookAuthenticator.Verdict.Rejected rejected) {
            LOG.warnf("webhook refused: %s", rejected.reason());
            return answer(Response.Status.UNAUTHORIZED, rejected.reason());
        }
        Optional<String> ref = pushedRef(payload);
        if (ref.isPresent() && !watchedRefs.contains(ref.get())) {
            return answer(Response.Status.ACCEPTED, "ignored: push to " + ref.get() + ", watching " + String.join(", ", watchedRefs));
        }
        boolean now = throttle.request();
        return answer(Response.Status.ACCEPTED, now ? "reconcile requested" : "reconcile already requested");
    }

    /** The pushed ref, when the payload names one; anything unreadable just wakes the poller. */
    private Optional<String> pushedRef(byte[] payload) {
        try {
            JsonNode ref = json.readTree(payload).path("ref");
            return ref.isTextual() ? Optional.of(ref.asText()) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static Response answer(Response.Status status, String message) {
        return Response.status(status).entity(Map.of("message", message)).build();
    }
}
