package dev.gitopsagent.status;

import java.util.concurrent.atomic.AtomicLong;

import dev.gitopsagent.pipeline.ReconcileOutcome;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Prometheus metrics under {@code gitops_}: polls and deployments by result, when the last
 * deployment succeeded, whether deployments are suspended, how many polls in a row failed.
 */
public final class AgentMetrics {

    private final MeterRegistry registry;
    private final AtomicLong lastSuccessSeconds = new AtomicLong();
    private final AtomicLong consecutiveFailures = new AtomicLong();
    private final AtomicLong suspended = new AtomicLong();

    public AgentMetrics(MeterRegistry registry) {
        this.registry = registry;
        Gauge.builder("gitops_last_successful_deployment_timestamp_seconds", lastSuccessSeconds, AtomicLong::get)
                .description("When the last deployment succeeded (Unix time); 0 before the first").register(registry);
        Gauge.builder("gitops_consecutive_failed_polls", consecutiveFailures, AtomicLong::get)
                .description("Polls in a row that reached no remote or could not finish").register(registry);
        Gauge.builder("gitops_suspended", suspended, AtomicLong::get)
                .description("1 while deployments are suspended").register(registry);
    }

    public void record(ReconcileOutcome outcome, long epochSecond) {
        polls(outcome instanceof ReconcileOutcome.Errored ? "error" : "ok").increment();
        if (outcome instanceof ReconcileOutcome.Errored) {
            consecutiveFailures.incrementAndGet();
            return;
        }
        consecutiveFailures.set(0);
        if (outcome instanceof ReconcileOutcome.Deployed) {
            deployments("succeeded").increment();
            lastSuccessSeconds.set(epochSecond);
        } else if (outcome instanceof ReconcileOutcome.Failed) {
            deployments("failed").increment();
        } else if (outcome instanceof ReconcileOutcome.Refused refused) {
            deployments("refused").increment();
            Counter.builder("gitops_refusals_total").description("Refused commits, by reason (verification reasons and not-descendant)")
                    .tag("reason", refused.cause()).register(registry).increment();
        }
    }

    /** The age of the branch head, and whether it is older than allowed (1) or not (0), when that is known. */
    public void watch(Freshness freshness) {
        Gauge.builder("gitops_remote_head_age_seconds", freshness, f -> f.headAge().map(age -> (double) age.toSeconds()).orElse(Double.NaN))
                .description("Time since the branch head was committed (its signed date)").register(registry);
        Gauge.builder("gitops_remote_head_stale", freshness, f -> f.stale().map(stale -> stale ? 1.0 : 0.0).orElse(Double.NaN))
                .description("1 when the branch head is older than gitops.trust.max-commit-age").register(registry);
    }

    public void suspended(boolean value) {
        suspended.set(value ? 1 : 0);
    }

    private Counter polls(String result) {
        return Counter.builder("gitops_polls_total").description("Polls of the Git remote, by result").tag("result", result)
                .register(registry);
    }

    private Counter deployments(String result) {
        return Counter.builder("gitops_deployments_total").description("Decisions on new commits, by result").tag("result", result)
                .register(registry);
    }
}
