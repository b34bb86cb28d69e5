package dev.gitopsagent.status;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;
import org.eclipse.microprofile.health.Readiness;

import dev.gitopsagent.config.AgentConfig;
import dev.gitopsagent.pipeline.ReconcileOutcome;
import dev.gitopsagent.trigger.ReconcileLoop;
import jakarta.enterprise.context.ApplicationScoped;

/** Health for {@code /q/health}: live while reconciles do not hang, ready after the first one. */
@ApplicationScoped
public class AgentHealth {

    /** Slack beyond the deploy timeout (two commands, a fetch) before a running reconcile counts as stuck. */
    private static final Duration STUCK_MARGIN = Duration.ofMinutes(10);

    private final ReconcileLoop loop;
    private final Clock clock;
    private final Duration stuckAfter;

    AgentHealth(ReconcileLoop loop, Clock clock, AgentConfig config) {
        this.loop = loop;
        this.clock = clock;
        this.stuckAfter = config.deploy().timeout().multipliedBy(2).plus(STUCK_MARGIN);
    }

    @Liveness
    HealthCheck reconcileNotStuck() {
        return () -> {
            Instant since = loop.runningSince();
            boolean stuck = since != null && Duration.between(since, clock.instant()).compareTo(stuckAfter) > 0;
            return HealthCheckResponse.named("reconcile-loop").status(!stuck)
                    .withData("running-since", since == null ? "idle" : since.toString()).build();
        };
    }

    @Readiness
    HealthCheck firstReconcileDone() {
        return () -> {
            ReconcileOutcome last = loop.lastOutcome();
            return HealthCheckResponse.named("first-reconcile").status(last != null)
                    .withData("last-outcome", last == null ? "none yet" : last.label()).build();
        };
    }
}
