package dev.gitopsagent.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.gitopsagent.TestAgent;
import dev.gitopsagent.state.Attempt;
import dev.gitopsagent.state.Deployment;
import dev.gitopsagent.state.Evaluation;
import dev.gitopsagent.state.StateStore;
import dev.gitopsagent.testing.Fleet;
import dev.gitopsagent.testing.SampleFlake;
import dev.gitopsagent.testing.TestKeys;

/** A switch that breaks the host undoes itself, and the commit is not tried again. */
class AutomaticRollbackTest {

    @TempDir
    Path dir;

    Fleet fleet;
    TestAgent agent;
    String good;

    @BeforeEach
    void deployAGoodCommit() throws Exception {
        fleet = Fleet.create(dir);
        good = fleet.pushSigned(TestKeys.trustedSsh(), "first configuration");
    }

    @AfterEach
    void stop() throws Exception {
        agent.close();
        fleet.close();
    }

    private void startWithHealthCommand(String command) throws Exception {
        Map<String, String> properties = fleet.agentProperties();
        properties.put("gitops.health.commands", command);
        agent = TestAgent.start(properties);
        assertThat(agent.reconcile()).isInstanceOf(ReconcileOutcome.Deployed.class);
    }

    @Test
    void switchWhoseHealthCheckFailsIsRolledBackAndNotRetried() throws Exception {
        Path marker = dir.resolve("service-ok");
        fleet.writeFile("service-ok", "");
        startWithHealthCommand("test -e " + marker);
        assertThat(marker.toFile().delete()).isTrue();
        String bad = fleet.pushChange("breaks the service");

        ReconcileOutcome outcome = agent.reconcile();

        assertThat(outcome).isInstanceOf(ReconcileOutcome.Failed.class);
        assertThat(((ReconcileOutcome.Failed) outcome).reason()).contains(bad)
                .contains("health check failed after switch")
                .contains("test -e " + marker)
                .contains("switched back to " + good);
        assertThat(fleet.host().runningRevision()).contains(good);
        assertThat(fleet.host().bootRevision()).contains(good);
        assertThat(agent.state().lastEvaluation().outcome()).isEqualTo(Evaluation.Outcome.FAILED);
        assertThat(agent.state().deployedCommit()).isEqualTo(good);

        int invocations = fleet.host().invocations().size();
        assertThat(agent.reconcile()).isInstanceOf(ReconcileOutcome.Unchanged.class);
        assertThat(fleet.host().invocations()).hasSize(invocations);
    }

    @Test
    void automaticRollbackIsCountedAndTheFailedHeadShowsInTheMetrics() throws Exception {
        Path marker = dir.resolve("service-ok");
        fleet.writeFile("service-ok", "");
        startWithHealthCommand("test -e " + marker);
        assertThat(agent.gauge("gitops_head_failed")).isZero();
        assertThat(marker.toFile().delete()).isTrue();
        fleet.pushChange("breaks the service");

        agent.actions().trigger();
        ReconcileOutcome outcome = agent.awaitQueuedReconcile();

        assertThat(((ReconcileOutcome.Failed) outcome).rollback()).isEqualTo(ReconcileOutcome.Rollback.SUCCEEDED);
        assertThat(agent.counter("gitops_automatic_rollbacks_total", "result", "succeeded")).isEqualTo(1);
        assertThat(agent.counter("gitops_automatic_rollbacks_total", "result", "failed")).isZero();
        assertThat(agent.gauge("gitops_head_failed")).isEqualTo(1);
        assertThat(agent.gauge("gitops_head_refused")).isZero();
    }

    @Test
    void restartDuringTheHealthCheckChecksAgainAndRollsBackWhenItFails() throws Exception {
        Path marker = dir.resolve("service-ok");
        fleet.writeFile("service-ok", "");
        Map<String, String> properties = fleet.agentProperties();
        properties.put("gitops.health.commands", "test -e " + marker);
        agent = TestAgent.start(properties);
        agent.reconcile();
        agent.close();
        // The agent stopped while checking a switch to `bad` that broke the service: fetched, on record as the attempt, running.
        String bad = fleet.pushChange("breaks the service");
        fleet.work().git("--git-dir", dir.resolve("state/repo.git").toString(), "fetch", "-q", fleet.remote().toString(), "main:refs/heads/main");
        new StateStore(dir.resolve("state")).update(s -> s.withAttempt(new Attempt(bad, "switch", Instant.now(), null, "main=" + bad)));
        fleet.host().run(dir, "switch", "--flake", "git+file://" + fleet.remote() + "?rev=" + bad + "#" + Fleet.HOST,
                "--no-update-lock-file", "--no-write-lock-file").orThrow();
        assertThat(marker.toFile().delete()).isTrue();

        agent = TestAgent.start(properties);

        Deployment interrupted = agent.state().history().get(0);
        assertThat(interrupted.commit()).isEqualTo(bad);
        assertThat(interrupted.result()).isEqualTo(Deployment.Result.FAILED);
        assertThat(interrupted.reason()).contains("checked again after the restart").contains("test -e " + marker)
                .contains("switched back to " + good);
        assertThat(fleet.host().runningRevision()).contains(good);
        assertThat(fleet.host().bootRevision()).contains(good);
        assertThat(agent.state().deployedCommit()).isEqualTo(good);
        assertThat(agent.state().attempt()).isNull();
        int invocations = fleet.host().invocations().size();
        assertThat(agent.reconcile()).as("the failed commit is not tried again").isInstanceOf(ReconcileOutcome.Unchanged.class);
        assertThat(fleet.host().invocations()).hasSize(invocations);
    }

    @Test
    void restartDuringAHealthCheckThatStillPassesKeepsTheNewSystem() throws Exception {
        Map<String, String> properties = fleet.agentProperties();
        properties.put("gitops.health.commands", "true");
        agent = TestAgent.start(properties);
        agent.reconcile();
        agent.close();
        String next = fleet.pushChange("fine");
        new StateStore(dir.resolve("state")).update(s -> s.withAttempt(new Attempt(next, "switch", Instant.now(), null, "main=" + next)));
        fleet.host().run(dir, "switch", "--flake", "git+file://" + fleet.remote() + "?rev=" + next + "#" + Fleet.HOST,
                "--no-update-lock-file", "--no-write-lock-file").orThrow();

        agent = TestAgent.start(properties);

        assertThat(agent.state().history().get(0).result()).isEqualTo(Deployment.Result.SUCCEEDED);
        assertThat(agent.state().deployedCommit()).isEqualTo(next);
        assertThat(fleet.host().runningRevision()).contains(next);
    }

    @Test
    void secondBrokenAttemptStillReturnsToTheLastGoodSystemNotToTheFirstBrokenOne() throws Exception {
        startWithHealthCommand("true");
        SampleFlake.failActivation(fleet.work(), Fleet.HOST);
        fleet.pushSigned(TestKeys.trustedSsh(), "a unit fails to start");
        assertThat(agent.reconcile()).isInstanceOf(ReconcileOutcome.Failed.class);

        assertThat(agent.actions().retry().done()).isTrue();
        ReconcileOutcome again = agent.awaitQueuedReconcile();

        assertThat(((ReconcileOutcome.Failed) again).reason()).contains("switched back to " + good);
        assertThat(fleet.host().runningRevision()).contains(good);
        assertThat(fleet.host().bootRevision()).contains(good);
    }

    @Test
    void healthCheckThatPassesBeforeTheDeadlineKeepsTheNewSystem() throws Exception {
        Path marker = dir.resolve("warmed-up");
        startWithHealthCommand("test -e " + marker + " || { touch " + marker + "; exit 1; }");
        marker.toFile().delete();
        String next = fleet.pushChange("slow to start");
        int before = fleet.host().invocations().size();

        assertThat(agent.reconcile()).isEqualTo(new ReconcileOutcome.Deployed(next, "switch"));
        assertThat(fleet.host().runningRevision()).contains(next);
        assertThat(fleet.host().invocations().subList(before, fleet.host().invocations().size()))
                .noneMatch(line -> line.contains("rev=" + good));
    }

    @Test
    void httpProbeThatDoesNotAnswerAfterTheSwitchRollsItBack() throws Exception {
        int closedPort;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        Map<String, String> properties = fleet.agentProperties();
        agent = TestAgent.start(properties);
        agent.reconcile();
        agent.close();
        properties.put("gitops.health.http-probes", "http://127.0.0.1:" + closedPort + "/healthz");
        agent = TestAgent.start(properties);
        String bad = fleet.pushChange("the web service no longer starts");

        ReconcileOutcome outcome = agent.reconcile();

        assertThat(((ReconcileOutcome.Failed) outcome).reason()).contains(bad)
                .contains("http http://127.0.0.1:" + closedPort + "/healthz")
                .contains("switched back to " + good);
        assertThat(fleet.host().runningRevision()).contains(good);
    }

    @Test
    void activationThatFailsHalfwayIsRolledBack() throws Exception {
        startWithHealthCommand("true");
        SampleFlake.failActivation(fleet.work(), Fleet.HOST);
        String broken = fleet.pushSigned(TestKeys.trustedSsh(), "a unit fails to start");

        ReconcileOutcome outcome = agent.reconcile();

        assertThat(((ReconcileOutcome.Failed) outcome).reason()).contains(broken).contains("switch exited with code 4")
                .contains("switched back to " + good);
        assertThat(fleet.host().runningRevision()).contains(good);
        assertThat(fleet.host().bootRevision()).contains(good);
        Deployment failed = agent.state().history().get(0);
        assertThat(failed.outputTail()).anySatisfy(line -> assertThat(line).contains("broken.service"));
    }
}
