package dev.gitopsagent.status;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.gitopsagent.pipeline.ReconcileOutcome;
import dev.gitopsagent.state.AgentState;
import dev.gitopsagent.state.Evaluation;
import dev.gitopsagent.state.Suspension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/** What the metrics say after each kind of outcome, and that they follow the durable state. */
class AgentMetricsTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final AgentMetrics metrics = new AgentMetrics(registry);

    @Test
    void everyResultIsExportedAtZeroBeforeItFirstHappens() {
        for (String result : List.of("succeeded", "failed", "refused")) {
            assertThat(counter("gitops_deployments_total", result)).isZero();
        }
        assertThat(counter("gitops_automatic_rollbacks_total", "succeeded")).isZero();
        assertThat(counter("gitops_automatic_rollbacks_total", "failed")).isZero();
    }

    @Test
    void aRollbackThatFailedIsCountedApartFromOneThatWorked() {
        metrics.record(new ReconcileOutcome.Failed("c1", "health check failed", ReconcileOutcome.Rollback.SUCCEEDED), 1);
        metrics.record(new ReconcileOutcome.Failed("c2", "ROLLBACK FAILED", ReconcileOutcome.Rollback.FAILED), 2);
        metrics.record(new ReconcileOutcome.Failed("c3", "build exited with 1", ReconcileOutcome.Rollback.NOT_NEEDED), 3);

        assertThat(counter("gitops_deployments_total", "failed")).isEqualTo(3);
        assertThat(counter("gitops_automatic_rollbacks_total", "succeeded")).isEqualTo(1);
        assertThat(counter("gitops_automatic_rollbacks_total", "failed")).isEqualTo(1);
    }

    @Test
    void suspensionAndTheLastDecisionAreReadFromTheStateAtEachScrape() {
        AgentState[] state = {AgentState.EMPTY};
        metrics.watch(() -> state[0]);
        assertThat(gauge("gitops_suspended")).isZero();
        assertThat(gauge("gitops_head_refused")).isZero();

        state[0] = AgentState.EMPTY.withSuspension(new Suspension("maintenance", Instant.EPOCH, null))
                .withEvaluation(new Evaluation("c1", Evaluation.Outcome.REFUSED, "refused c1: not signed", Instant.EPOCH, "main=c1"));
        assertThat(gauge("gitops_suspended")).isEqualTo(1);
        assertThat(gauge("gitops_head_refused")).isEqualTo(1);
        assertThat(gauge("gitops_head_failed")).isZero();

        // A suspension lifted by the reconcile thread (a newer commit after a rollback) is seen too.
        state[0] = state[0].withSuspension(null).withEvaluation(new Evaluation("c2", Evaluation.Outcome.FAILED, "failed", Instant.EPOCH,
                "main=c2"));
        assertThat(gauge("gitops_suspended")).isZero();
        assertThat(gauge("gitops_head_refused")).isZero();
        assertThat(gauge("gitops_head_failed")).isEqualTo(1);
    }

    private double counter(String name, String result) {
        return registry.get(name).tag("result", result).counter().count();
    }

    private double gauge(String name) {
        return registry.get(name).gauge().value();
    }
}
