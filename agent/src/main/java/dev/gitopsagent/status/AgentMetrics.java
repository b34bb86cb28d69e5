package dev.gitopsagent.status;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import dev.gitopsagent.deploy.DriftWatch;
import dev.gitopsagent.pipeline.ReconcileOutcome;
import dev.gitopsagent.rollout.Wait;
import dev.gitopsagent.state.AgentState;
import dev.gitopsagent.state.Evaluation;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Prometheus metrics under {@code gitops_}: polls, deployments and automatic rollbacks by result, refusals by reason,
 * when the last deployment succeeded, how many polls in a row failed, and what the durable state says
 * now (suspended, head refused, head failed). The alert rules in
 * {@code config-repo-template/monitoring/} are written over exactly these names.
 */
public final class AgentMetrics {

    private final MeterRegistry registry;
    private final AtomicLong lastSuccessSeconds = new AtomicLong();
    private final AtomicLong consecutiveFailures = new AtomicLong();

    public AgentMetrics(MeterRegistry registry) {
        this.registry = registry;
        Gauge.builder("gitops_last_successful_deployment_timestamp_seconds", lastSuccessSeconds, AtomicLong::get)
                .description("When the last deployment succeeded (Unix time); 0 before the first").register(registry);
        Gauge.builder("gitops_consecutive_failed_polls", consecutiveFailures, AtomicLong::get)
                .description("Polls in a row that reached no remote or could not finish").register(registry);
        // Every result is exported at 0 from the start: Prometheus's increase() cannot see the first
        // event of a series that appears with it.
        polls("ok");
        polls("error");
        deployments("succeeded");
        deployments("failed");
        deployments("refused");
        automaticRollbacks(ReconcileOutcome.Rollback.SUCCEEDED);
        automaticRollbacks(ReconcileOutcome.Rollback.FAILED);
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
        } else if (outcome instanceof ReconcileOutcome.Failed failed) {
            deployments("failed").increment();
            if (failed.rollback() != ReconcileOutcome.Rollback.NOT_NEEDED) {
                automaticRollbacks(failed.rollback()).increment();
            }
        } else if (outcome instanceof ReconcileOutcome.Refused refused) {
            deployments("refused").increment();
            Counter.builder("gitops_refusals_total").description("Refused commits and fetches, by reason (verification reasons, not-descendant, fetch bounds, unsolicited shallow)")
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

    /**
     * Gauges read from the durable state at each scrape, so they stay right across restarts and
     * whichever part of the agent changed the state (operator, rollback, a suspension lifted by a new commit).
     * Held strongly: Micrometer keeps only a weak reference to a gauge's object, and nothing else holds the supplier.
     */
    public void watch(Supplier<AgentState> state) {
        Gauge.builder("gitops_suspended", state, s -> s.get().isSuspended() ? 1 : 0)
                .description("1 while deployments are suspended").strongReference(true).register(registry);
        Gauge.builder("gitops_head_refused", state, s -> lastDecisionIs(s.get(), Evaluation.Outcome.REFUSED))
                .description("1 while the last decided head is refused (signature, ancestry); it is not tried again until the branch moves")
                .strongReference(true).register(registry);
        Gauge.builder("gitops_head_failed", state, s -> lastDecisionIs(s.get(), Evaluation.Outcome.FAILED))
                .description("1 while the last decided head failed to build, activate or pass the health checks, or was rolled back")
                .strongReference(true).register(registry);
    }

    private static double lastDecisionIs(AgentState state, Evaluation.Outcome outcome) {
        Optional<Evaluation> last = state.evaluation();
        return last.isPresent() && last.get().outcome() == outcome ? 1 : 0;
    }

    /** The host's wave, what its next commit waits for, and when it will be activated. */
    public void watch(RolloutStatus rollout) {
        Gauge.builder("gitops_rollout_wave", rollout, RolloutStatus::wave)
                .description("The wave this host belongs to (0 activates first)").strongReference(true).register(registry);
        for (String reason : Wait.KINDS) {
            Gauge.builder("gitops_rollout_waiting", rollout,
                    r -> r.waiting().filter(evaluation -> reason.equals(evaluation.waitingFor())).isPresent() ? 1.0 : 0.0)
                    .description("1 while a verified commit waits for this reason before activation").tag("reason", reason).strongReference(true).register(registry);
        }
        Gauge.builder("gitops_rollout_activation_timestamp_seconds", rollout,
                r -> r.activatesAt().map(at -> (double) at.getEpochSecond()).orElse(Double.NaN))
                .description("When the waiting commit will be activated (Unix time); NaN when nothing waits, a halt holds it or it waits for the cache or the forge gate").strongReference(true).register(registry);
        Gauge.builder("gitops_reboot_pending", rollout, r -> r.rebootPending() ? 1.0 : 0.0)
                .description("1 while the boot default changes the kernel, kernel modules, initrd or kernel parameters of the booted system")
                .strongReference(true).register(registry);
        Gauge.builder("gitops_reboot_blocked_until_timestamp_seconds", rollout,
                r -> r.rebootBlockedUntil().map(until -> (double) until.getEpochSecond()).orElse(Double.NaN))
                .description("While another wave's rollout slot holds the pending reboot: when the reboot is allowed (Unix time); NaN when no slot holds it")
                .strongReference(true).register(registry);
        Gauge.builder("gitops_cache_waiting_since_timestamp_seconds", rollout,
                r -> r.waiting().filter(evaluation -> Wait.CACHE.equals(evaluation.waitingFor())).map(Evaluation::since)
                        .map(since -> (double) since.getEpochSecond()).orElse(Double.NaN))
                .description("Cache mode: since when the waiting commit's closure has been missing from the binary caches (Unix time); NaN when nothing waits for it")
                .strongReference(true).register(registry);
    }

    /** 1 while the running system is not the one the agent activated, 0 while it is; NaN before the agent activated one. */
    public void watch(DriftWatch drift) {
        Gauge.builder("gitops_drift", drift, d -> d.reading() instanceof DriftWatch.Reading.Drifted ? 1.0
                : d.reading() instanceof DriftWatch.Reading.InSync ? 0.0 : Double.NaN).description("1 while the running system differs from the one the agent activated (changed by hand)").strongReference(true)
                .register(registry);
    }

    private Counter polls(String result) {
        return Counter.builder("gitops_polls_total").description("Polls of the Git remote, by result").tag("result", result)
                .register(registry);
    }

    private Counter deployments(String result) {
        return Counter.builder("gitops_deployments_total").description("Decisions on new commits, by result").tag("result", result)
                .register(registry);
    }

    private Counter automaticRollbacks(ReconcileOutcome.Rollback result) {
        return Counter.builder("gitops_automatic_rollbacks_total")
                .description("Broken activations put back to the previous system, by whether that worked (succeeded, failed)")
                .tag("result", result.name().toLowerCase()).register(registry);
    }
}
