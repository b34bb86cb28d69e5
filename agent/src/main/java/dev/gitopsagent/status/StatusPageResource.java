package dev.gitopsagent.status;

import java.time.Clock;
import java.util.List;

import dev.gitopsagent.config.AgentConfig;
import dev.gitopsagent.git.LocalMirror;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Response;

/** {@code GET /}: the status page. Read-only and open, like {@code GET /status}, whose report it renders. */
@Path("/")
public class StatusPageResource {

    /** Subjects are whatever a committer wrote: long enough to recognise a commit, short enough for a page. */
    private static final int SUBJECT_LENGTH = 120;

    private final StatusResource status;
    private final AgentHealth health;
    private final LocalMirror mirror;
    private final Clock clock;
    private final StatusPage page;

    StatusPageResource(StatusResource status, AgentHealth health, LocalMirror mirror, Clock clock, AgentConfig config) {
        this.status = status;
        this.health = health;
        this.mirror = mirror;
        this.clock = clock;
        this.page = new StatusPage(config.statusPage().commitUrl(), config.statusPage().refreshSeconds(), config.health().enabled());
    }

    @GET
    @Produces("text/html; charset=utf-8")
    public Response page() {
        StatusPage.Extras extras = new StatusPage.Extras(status.history(),
                List.of(health.reconcileNotStuck().call(), health.firstReconcileDone().call()),
                commit -> mirror.subject(commit, SUBJECT_LENGTH), clock.instant());
        return Response.ok(page.render(status.status(), extras))
                .header("Content-Security-Policy", PageStyle.CONTENT_SECURITY_POLICY)
                .header("X-Content-Type-Options", "nosniff")
                .header("Referrer-Policy", "no-referrer")
                .header("Cache-Control", "no-store")
                .build();
    }
}
