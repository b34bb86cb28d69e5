package dev.gitopsagent.control;

import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import dev.gitopsagent.pipeline.OperatorActions.Result;
import jakarta.enterprise.inject.Instance;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** Refuses every {@code /control} request without the right bearer token, before any resource runs. */
public class ControlAuthFilter {

    /** Looked up only for /control requests, so nothing about the token can ever affect /status or health. */
    private final Instance<ControlToken> tokens;

    ControlAuthFilter(Instance<ControlToken> tokens) {
        this.tokens = tokens;
    }

    @ServerRequestFilter
    public Response authorize(ContainerRequestContext request) {
        String path = request.getUriInfo().getPath();
        if (!path.equals("/control") && !path.startsWith("/control/")) {
            return null;
        }
        ControlToken token = tokens.get();
        if (token.accepts(request.getHeaderString(HttpHeaders.AUTHORIZATION))) {
            return null;
        }
        String message = token.isConfigured() ? "missing or wrong bearer token"
                : "the control API is disabled: set gitops.control.token-file";
        return Response.status(Response.Status.UNAUTHORIZED)
                .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"gitops-agent\"")
                .type(MediaType.APPLICATION_JSON)
                .entity(new Result("authorize", false, message))
                .build();
    }
}
