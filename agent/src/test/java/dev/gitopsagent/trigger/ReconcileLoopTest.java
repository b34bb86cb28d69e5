package dev.gitopsagent.trigger;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.gitopsagent.TestAgent;
import dev.gitopsagent.pipeline.ReconcileOutcome;
import dev.gitopsagent.testing.Fleet;
import dev.gitopsagent.testing.SampleFlake;
import dev.gitopsagent.testing.TestKeys;

/** The loop that runs reconciles: what status says between them, and what happens when one dies. */
class ReconcileLoopTest {

    @TempDir
    Path dir;

    private Fleet fleet;
    private TestAgent agent;

    @BeforeEach
    void start() throws Exception {
        fleet = Fleet.create(dir);
        fleet.pushSigned(TestKeys.trustedSsh(), "first configuration");
        agent = TestAgent.start(fleet.agentProperties());
    }

    @AfterEach
    void stop() throws Exception {
        agent.close();
        fleet.close();
    }

    @Test
    void anErrorEscapingAReconcileIsReportedAndEndsTheProcessNonZero() throws Exception {
        CompletableFuture<Integer> exit = new CompletableFuture<>();
        ReconcileLoop.OutcomeListener outOfMemory = outcome -> {
            throw new OutOfMemoryError("Java heap space");
        };
        ReconcileLoop loop = new ReconcileLoop(agent.reconciler(), agent.status(),
                new ReconcileLoop.Cadence(Duration.ofSeconds(1), Duration.ZERO, Duration.ofSeconds(2)), Clock.systemUTC(),
                List.of(outOfMemory), ReconcileLoop.NONE, exit::complete);
        try {
            loop.wake("test");

            assertThat(exit.get(20, TimeUnit.SECONDS)).isEqualTo(ReconcileLoop.FATAL_ERROR_EXIT_CODE).isNotZero();
            assertThat(agent.status().lastError()).hasValueSatisfying(error -> assertThat(error.reason())
                    .contains("reconcile loop stopped on java.lang.OutOfMemoryError: Java heap space"));
            assertThat(agent.status().nextPoll()).isEmpty();
        } finally {
            loop.close();
        }
    }

    @Test
    void aLaterDeploymentClearsTheLastError() throws Exception {
        String deployed = ((ReconcileOutcome.Deployed) agent.reconcileOnLoop()).commit();
        SampleFlake.changeMotd(fleet.work(), Fleet.HOST, "unsigned");
        fleet.pushUnsigned("unsigned change");
        assertThat(agent.reconcileOnLoop()).isInstanceOf(ReconcileOutcome.Refused.class);
        assertThat(agent.reconcileOnLoop()).as("the refused head is still the head").isInstanceOf(ReconcileOutcome.Unchanged.class);
        assertThat(agent.status().lastError()).as("the refusal stands while the head does").isPresent();

        fleet.work().resetHard(deployed);
        fleet.work().commitSigned(TestKeys.trustedSsh(), "the change, signed");
        fleet.work().forcePush(fleet.remote());

        assertThat(agent.reconcileOnLoop()).isInstanceOf(ReconcileOutcome.Deployed.class);
        assertThat(agent.status().lastError()).isEmpty();
    }
}
