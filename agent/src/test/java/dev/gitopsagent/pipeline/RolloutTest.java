package dev.gitopsagent.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.gitopsagent.TestAgent;
import dev.gitopsagent.rollout.HaltMarker;
import dev.gitopsagent.rollout.Wait;
import dev.gitopsagent.state.Evaluation;
import dev.gitopsagent.testing.Fleet;
import dev.gitopsagent.testing.NixosRebuildDouble;
import dev.gitopsagent.testing.SampleFlake;
import dev.gitopsagent.testing.SettableClock;
import dev.gitopsagent.testing.TestKeys;

/**
 * Waves without a coordinator and the signed halt, against a real Git server and real signatures.
 * Commits carry fixed committer dates and the agents a settable clock, so an hour of soak time
 * takes no time at all.
 */
class RolloutTest {

    /** A Monday; every commit of these tests is dated from it. */
    private static final Instant T0 = Instant.parse("2030-01-07T10:00:00Z");
    private static final Duration SOAK = Duration.ofHours(1);

    @TempDir
    Path dir;

    Fleet fleet;
    SettableClock clock;
    /** Agents and the extra hosts they run on, closed after each test. */
    final List<AutoCloseable> toClose = new ArrayList<>();

    @BeforeEach
    void createFleet() {
        fleet = Fleet.create(dir);
        clock = new SettableClock(T0);
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable closeable : toClose) {
            closeable.close();
        }
        fleet.close();
    }

    /** An agent on the fleet's host in {@code wave}, with a one-hour soak time. */
    private TestAgent agentInWave(int wave) throws Exception {
        return start(withWave(fleet.agentProperties(), wave));
    }

    private static Map<String, String> withWave(Map<String, String> properties, int wave) {
        properties.put("gitops.rollout.wave", Integer.toString(wave));
        properties.put("gitops.rollout.soak", "1h");
        return properties;
    }

    /** An agent in {@code wave} on a host of its own: its own state and its own nixos-rebuild double. */
    private TestAgent agentOnOwnHost(String name, int wave) throws Exception {
        NixosRebuildDouble host = NixosRebuildDouble.install(dir.resolve(name));
        toClose.add(host);
        Map<String, String> properties = withWave(fleet.agentProperties(), wave);
        properties.put("gitops.state-dir", dir.resolve(name + "-state").toString());
        properties.put("gitops.trust.high-water-mark", dir.resolve(name + "-high-water-mark").toString());
        properties.put("gitops.deploy.command", host.executable().toString());
        properties.put("gitops.deploy.system-profile", host.systemProfile().toString());
        properties.put("gitops.deploy.current-system", host.currentSystem().toString());
        return start(properties);
    }

    private TestAgent start(Map<String, String> properties) throws Exception {
        TestAgent agent = TestAgent.start(properties, clock);
        toClose.add(agent);
        return agent;
    }

    /** The first commit, deployed long ago by every wave. */
    private String deployedFirst(TestAgent... hosts) {
        String first = fleet.pushSignedAt(TestKeys.trustedSsh(), "first configuration", T0.minus(Duration.ofDays(1)));
        for (TestAgent host : hosts) {
            assertThat(host.reconcile()).isEqualTo(new ReconcileOutcome.Deployed(first, "switch"));
        }
        return first;
    }

    @Test
    void firstWaveActivatesACommitAsSoonAsItIsVerified() throws Exception {
        TestAgent agent = agentInWave(0);
        deployedFirst(agent);
        String change = fleet.pushChangeAt("wave 0 goes first", T0);

        assertThat(agent.reconcile()).isEqualTo(new ReconcileOutcome.Deployed(change, "switch"));
    }

    @Test
    void laterWaveWaitsItsSoakTimeFromTheSignedCommitterDateThenActivates() throws Exception {
        TestAgent agent = agentInWave(2);
        String first = deployedFirst(agent);
        String change = fleet.pushChangeAt("soaked", T0);
        int invocationsBefore = fleet.host().invocations().size();
        clock.set(T0.plus(Duration.ofMinutes(119)));

        ReconcileOutcome waiting = agent.reconcile();

        assertThat(waiting).isEqualTo(new ReconcileOutcome.Waiting(change, new Wait.Soak(change, 2, T0, T0.plus(Duration.ofHours(2)))));
        assertThat(fleet.host().invocations()).hasSize(invocationsBefore);
        assertThat(fleet.host().runningRevision()).contains(first);
        assertThat(agent.state().lastEvaluation().outcome()).isEqualTo(Evaluation.Outcome.WAITING);
        assertThat(agent.rollout().report().waitingFor()).isEqualTo("wave");
        assertThat(agent.rollout().report().activatesAt()).isEqualTo(T0.plus(Duration.ofHours(2)));
        assertThat(agent.status().lastError()).isEmpty();
        assertThat(agent.reconcile()).as("the same heads are not looked at again before the wait ends")
                .isEqualTo(new ReconcileOutcome.Unchanged(change));

        clock.set(T0.plus(Duration.ofHours(2)));

        assertThat(agent.reconcile()).isEqualTo(new ReconcileOutcome.Deployed(change, "switch"));
        assertThat(fleet.host().runningRevision()).contains(change);
        assertThat(agent.rollout().report().waitingFor()).isNull();
    }

    @Test
    void waitingIsNeitherARefusalNorAFailure() throws Exception {
        TestAgent agent = agentInWave(1);
        deployedFirst(agent);
        fleet.pushChangeAt("soaking", T0);
        agent.loop().wake("test");

        assertThat(agent.awaitQueuedReconcile()).isInstanceOf(ReconcileOutcome.Waiting.class);
        assertThat(agent.counter("gitops_deployments_total", "result", "failed")).isZero();
        assertThat(agent.counter("gitops_deployments_total", "result", "refused")).isZero();
        assertThat(agent.gauge("gitops_rollout_waiting", "reason", "wave")).isEqualTo(1.0);
        assertThat(agent.gauge("gitops_rollout_wave")).isEqualTo(1.0);
        assertThat(agent.gauge("gitops_rollout_activation_timestamp_seconds")).isEqualTo(T0.plus(SOAK).getEpochSecond());
    }

    @Test
    void nextPollIsScheduledNoLaterThanTheEndOfTheWait() throws Exception {
        Map<String, String> properties = withWave(fleet.agentProperties(), 1);
        properties.put("gitops.poll.interval", "6h");
        properties.put("gitops.poll.max-backoff", "6h");
        TestAgent agent = start(properties);
        deployedFirst(agent);
        fleet.pushChangeAt("soaking", T0);
        clock.set(T0.plus(Duration.ofMinutes(10)));
        agent.loop().wake("test");

        assertThat(agent.awaitQueuedReconcile()).isInstanceOf(ReconcileOutcome.Waiting.class);
        assertThat(agent.status().nextPoll()).contains(T0.plus(SOAK));
    }

    @Test
    void threeWavesActivateOneSoakTimeApartWithNoSharedState() throws Exception {
        List<TestAgent> waves = new ArrayList<>();
        for (int wave = 0; wave < 3; wave++) {
            waves.add(agentOnOwnHost("host-" + wave, wave));
        }
        deployedFirst(waves.toArray(TestAgent[]::new));
        String change = fleet.pushChangeAt("rolled out in waves", T0);

        assertThat(deployedAt(waves, T0, change)).containsExactly(true, false, false);
        assertThat(deployedAt(waves, T0.plus(SOAK), change)).containsExactly(true, true, false);
        assertThat(deployedAt(waves, T0.plus(SOAK.multipliedBy(2)), change)).containsExactly(true, true, true);
    }

    private List<Boolean> deployedAt(List<TestAgent> waves, Instant now, String commit) {
        clock.set(now);
        List<Boolean> deployed = new ArrayList<>();
        for (TestAgent agent : waves) {
            agent.reconcile();
            deployed.add(commit.equals(agent.state().deployedCommit()));
        }
        return deployed;
    }

    @Test
    void supersededCommitWaitsOnTheNewerHeadsSchedule() throws Exception {
        TestAgent agent = agentInWave(1);
        String first = deployedFirst(agent);
        fleet.pushChangeAt("superseded", T0);
        clock.set(T0.plus(Duration.ofMinutes(30)));
        assertThat(agent.reconcile()).isInstanceOf(ReconcileOutcome.Waiting.class);
        Instant newer = T0.plus(Duration.ofMinutes(40));
        String head = fleet.pushChangeAt("newer head", newer);

        clock.set(T0.plus(SOAK));

        assertThat(agent.reconcile()).isEqualTo(new ReconcileOutcome.Waiting(head, new Wait.Soak(head, 1, newer, newer.plus(SOAK))));
        assertThat(fleet.host().runningRevision()).contains(first);
        clock.set(newer.plus(SOAK));
        assertThat(agent.reconcile()).isEqualTo(new ReconcileOutcome.Deployed(head, "switch"));
    }

    @Test
    void signedHaltStopsTheRolloutAndTheNextCommitWithoutItResumes() throws Exception {
        TestAgent agent = agentInWave(0);
        String first = deployedFirst(agent);
        int invocationsBefore = fleet.host().invocations().size();
        fleet.work().writeFile(HaltMarker.PATH, "bad kernel in the last change\n");
        String halt = fleet.pushChangeAt("halt", T0);

        assertThat(agent.reconcile()).isEqualTo(new ReconcileOutcome.Waiting(halt, new Wait.Halted(halt)));
        assertThat(fleet.host().invocations()).as("a halted commit is not even built").hasSize(invocationsBefore);
        assertThat(fleet.host().runningRevision()).contains(first);
        assertThat(agent.rollout().report().waitingFor()).isEqualTo("halt");
        assertThat(agent.rollout().report().activatesAt()).isNull();
        clock.set(T0.plus(Duration.ofDays(30)));
        assertThat(agent.reconcile()).as("only a new commit ends a halt").isEqualTo(new ReconcileOutcome.Unchanged(halt));

        fleet.work().deleteFile(HaltMarker.PATH);
        String resumed = fleet.pushChangeAt("resume", T0.plus(Duration.ofDays(30)));

        assertThat(agent.reconcile()).isEqualTo(new ReconcileOutcome.Deployed(resumed, "switch"));
    }

    @Test
    void haltStopsEveryWaveThatHasNotActivatedAndLeavesTheOthersAlone() throws Exception {
        TestAgent early = agentInWave(0);
        TestAgent late = agentOnOwnHost("late-host", 1);
        String first = deployedFirst(early, late);
        String bad = fleet.pushChangeAt("bad change", T0);
        assertThat(early.reconcile()).isEqualTo(new ReconcileOutcome.Deployed(bad, "switch"));
        assertThat(late.reconcile()).isInstanceOf(ReconcileOutcome.Waiting.class);
        fleet.work().writeFile(HaltMarker.PATH, "stop: wave 0 is unhappy\n");
        String halt = fleet.pushChangeAt("halt", T0.plus(Duration.ofMinutes(20)));
        clock.set(T0.plus(Duration.ofHours(5)));

        assertThat(late.reconcile()).isEqualTo(new ReconcileOutcome.Waiting(halt, new Wait.Halted(halt)));
        assertThat(late.state().deployedCommit()).as("the halted wave keeps what it ran").isEqualTo(first);
        assertThat(early.reconcile()).isEqualTo(new ReconcileOutcome.Waiting(halt, new Wait.Halted(halt)));
        assertThat(fleet.host().runningRevision()).as("the wave that already activated is unaffected").contains(bad);
    }

    @Test
    void haltMarkerInAnUnsignedCommitIsRefusedNotObeyed() throws Exception {
        TestAgent agent = agentInWave(0);
        deployedFirst(agent);
        fleet.work().writeFile(HaltMarker.PATH, "forged halt\n");
        SampleFlake.changeMotd(fleet.work(), Fleet.HOST, "unsigned");
        fleet.work().dated(T0.toString());
        String unsigned = fleet.pushUnsigned("unsigned halt");
        fleet.work().dated(null);

        ReconcileOutcome outcome = agent.reconcile();

        assertThat(outcome).isInstanceOf(ReconcileOutcome.Refused.class);
        assertThat(((ReconcileOutcome.Refused) outcome).reason()).contains(unsigned).contains("not signed");
    }

    @Test
    void deployNowSkipsTheSoakTimeOnceButNotAHalt() throws Exception {
        TestAgent agent = agentInWave(2);
        deployedFirst(agent);
        String change = fleet.pushChangeAt("urgent fix", T0);
        assertThat(agent.reconcile()).isInstanceOf(ReconcileOutcome.Waiting.class);

        assertThat(agent.actions().deployNow().done()).isTrue();

        assertThat(agent.awaitQueuedReconcile()).isEqualTo(new ReconcileOutcome.Deployed(change, "switch"));
        assertThat(agent.state().override()).as("used up").isNull();
        String next = fleet.pushChangeAt("ordinary change", T0);
        assertThat(agent.reconcile()).isEqualTo(new ReconcileOutcome.Waiting(next, new Wait.Soak(next, 2, T0, T0.plus(SOAK.multipliedBy(2)))));

        fleet.work().writeFile(HaltMarker.PATH, "halt\n");
        String halt = fleet.pushChangeAt("halt", T0);
        agent.actions().deployNow();
        assertThat(agent.awaitQueuedReconcile()).isEqualTo(new ReconcileOutcome.Waiting(halt, new Wait.Halted(halt)));
    }

    @Test
    void retryDoesNotPretendAWaitIsAFailure() throws Exception {
        TestAgent agent = agentInWave(1);
        deployedFirst(agent);
        fleet.pushChangeAt("soaking", T0);
        agent.reconcile();

        assertThat(agent.actions().retry().done()).isFalse();
        assertThat(agent.actions().retry().message()).contains("wave 1 activates").contains("deploy-now");
    }
}
