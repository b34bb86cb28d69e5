package dev.gitopsagent.status;

import java.util.concurrent.atomic.AtomicLong;

import dev.gitopsagent.pipeline.ReconcileOutcome;
import io.micrometer.core.instrument.Counter;
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
        registry.gauge("gitops_last_successful_deployment_timestamp_seconds", lastSuccessSeconds);
        registry.gauge("gitops_consecutive_failed_polls", consecutiveFailures);
        registry.gauge("gitops_suspended", suspended);
    }

    public void record(ReconcileOutcome outcome, long epochSecond) {
        counter("gitops_polls_total", "result", outcome instanceof ReconcileOutcome.Errored ? "error" : "ok").increment();
        if (outcome instanceof ReconcileOutcome.Errored) {
            consecutiveFailures.incrementAndGet();
            return;
        }
        consecutiveFailures.set(0);
        if (outcome instanceof ReconcileOutcome.Deployed) {
            counter("gitops_deployments_total", "result", "succeeded").increment();
            lastSuccessSeconds.set(epochSecond);
        } else if (outcome instanceof ReconcileOutcome.Failed) {
            counter("gitops_deployments_total", "result", "failed").increment();
        } else if (outcome instanceof ReconcileOutcome.Refused) {
            counter("gitops_deployments_total", "result", "refused").increment();
        }
    }

    public void suspended(boolean value) {
        suspended.set(value ? 1 : 0);
    }

    private Counter counter(String name, String tag, String value) {
        return Counter.builder(name).tag(tag, value).register(registry);
    }
}
