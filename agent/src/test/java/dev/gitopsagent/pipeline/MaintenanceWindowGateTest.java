package dev.gitopsagent.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.gitopsagent.TestAgent;
import dev.gitopsagent.rollout.Wait;
import dev.gitopsagent.testing.Fleet;
import dev.gitopsagent.testing.SettableClock;
import dev.gitopsagent.testing.TestKeys;

/**
 * {@code gitops.deploy.windows}: the build happens at once, the activation waits for the window.
 * The clock is set by hand (a window can be days away); git, signatures and the build are real.
 */
class MaintenanceWindowGateTest {

    private static final String WINDOWS = "Sat,Sun 02:00 UTC for 4h; Wed 22:00 UTC for 1h";
    /** A Monday morning: the next window is Wednesday night. */
    private static final Instant MONDAY = Instant.parse("2030-01-07T10:00:00Z");
    private static final Instant WEDNESDAY_NIGHT = Instant.parse("2030-01-09T22:00:00Z");

    @TempDir
    Path dir;

    Fleet fleet;
    SettableClock clock;
    TestAgent agent;
    String first;

    @BeforeEach
    void deployFirstCommitInsideAWindow() throws Exception {
        fleet = Fleet.create(dir);
        clock = new SettableClock(Instant.parse("2030-01-05T03:00:00Z"));
        Map<String, String> properties = fleet.agentProperties();
        properties.put("gitops.deploy.windows", WINDOWS);
        agent = TestAgent.start(properties, clock);
        first = fleet.pushSignedAt(TestKeys.trustedSsh(), "first configuration", clock.instant());
        assertThat(agent.reconcile()).isEqualTo(new ReconcileOutcome.Deployed(first, "switch"));
        clock.set(MONDAY);
    }

    @AfterEach
    void stop() throws Exception {
        agent.close();
        fleet.close();
    }

    @Test
    void buildsAtOnceAndActivatesWhenTheNextWindowOpens() throws Exception {
        String change = fleet.pushChangeAt("weekday change", MONDAY);

        ReconcileOutcome outcome = agent.reconcile();

        assertThat(outcome).isEqualTo(new ReconcileOutcome.Waiting(change, new Wait.Window(change, WINDOWS, WEDNESDAY_NIGHT)));
        assertThat(((ReconcileOutcome.Waiting) outcome).cause().describe())
                .isEqualTo("activation waits for window " + WINDOWS + " (next at 2030-01-09T22:00:00Z)");
        assertThat(fleet.host().invocations()).last().asString().startsWith("nixos-rebuild build");
        assertThat(fleet.host().runningRevision()).contains(first);
        assertThat(agent.state().attempt()).as("no deployment is left half-recorded").isNull();
        assertThat(agent.rollout().report().waitingFor()).isEqualTo("window");
        assertThat(agent.rollout().report().nextWindow()).isEqualTo(WEDNESDAY_NIGHT);
        assertThat(agent.rollout().report().windowOpen()).isFalse();
        assertThat(agent.gauge("gitops_rollout_waiting", "reason", "window")).isEqualTo(1.0);
        assertThat(agent.status().lastError()).isEmpty();
        clock.set(WEDNESDAY_NIGHT.minusSeconds(1));
        assertThat(agent.reconcile()).isEqualTo(new ReconcileOutcome.Unchanged(change));

        clock.set(WEDNESDAY_NIGHT.plus(Duration.ofMinutes(5)));

        assertThat(agent.reconcile()).isEqualTo(new ReconcileOutcome.Deployed(change, "switch"));
        assertThat(fleet.host().runningRevision()).contains(change);
        assertThat(agent.gauge("gitops_rollout_waiting", "reason", "window")).isZero();
    }

    @Test
    void skipWindowActivatesTheWaitingCommitOnceAndOnlyOnce() throws Exception {
        String urgent = fleet.pushChangeAt("urgent", MONDAY);
        assertThat(agent.reconcile()).isInstanceOf(ReconcileOutcome.Waiting.class);

        assertThat(agent.actions().skipWindow().done()).isTrue();

        assertThat(agent.awaitQueuedReconcile()).isEqualTo(new ReconcileOutcome.Deployed(urgent, "switch"));
        String ordinary = fleet.pushChangeAt("ordinary", MONDAY);
        assertThat(agent.reconcile()).isEqualTo(new ReconcileOutcome.Waiting(ordinary, new Wait.Window(ordinary, WINDOWS, WEDNESDAY_NIGHT)));
    }

    @Test
    void overrideSurvivesARestartUntilItIsUsed() throws Exception {
        agent.actions().skipWindow();
        agent.awaitQueuedReconcile();
        agent.close();
        Map<String, String> properties = fleet.agentProperties();
        properties.put("gitops.deploy.windows", WINDOWS);
        agent = TestAgent.start(properties, clock);
        String change = fleet.pushChangeAt("after restart", MONDAY);

        assertThat(agent.rollout().report().override()).isEqualTo("skip-window");
        assertThat(agent.reconcile()).isEqualTo(new ReconcileOutcome.Deployed(change, "switch"));
        assertThat(agent.rollout().report().override()).isNull();
    }
}
