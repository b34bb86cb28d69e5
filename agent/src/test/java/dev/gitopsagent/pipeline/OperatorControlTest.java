package dev.gitopsagent.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.gitopsagent.pipeline.OperatorActions.AfterRollback;
import dev.gitopsagent.testing.Fleet;
import dev.gitopsagent.status.Phase;
import dev.gitopsagent.testing.GitHttpServer;
import dev.gitopsagent.testing.SampleFlake;
import dev.gitopsagent.testing.TestKeys;

/** What an operator does in an incident: pause, roll back, resume; and remotes that fail over. */
class OperatorControlTest extends DeployedFleetTest {

    @Test
    void suspendedAgentDoesNotDeployAndStaysSuspendedAcrossRestart() throws Exception {
        agent.actions().suspend("change freeze");
        String next = fleet.pushChange("during the freeze");

        restartAgent(fleet.agentProperties());

        assertThat(agent.state().suspension().reason()).isEqualTo("change freeze");
        assertThat(agent.reconcile()).isEqualTo(new ReconcileOutcome.Suspended(next));
        assertThat(fleet.host().runningRevision()).contains(first);

        agent.actions().resume();
        assertThat(agent.awaitQueuedReconcile()).isEqualTo(new ReconcileOutcome.Deployed(next, "switch"));
    }

    @Test
    void suspendDuringABuildLetsTheBuildFinishButActivatesNothingUntilResumed() throws Exception {
        SampleFlake.slowBuild(fleet.work(), Fleet.HOST, 3);
        String slow = fleet.pushSigned(TestKeys.trustedSsh(), "builds slowly");
        agent.loop().wake("test");
        awaitPhase(Phase.BUILDING);

        OperatorActions.Result result = agent.actions().suspend("incident");

        assertThat(result.message()).isEqualTo("deployments suspended: incident; the reconcile in progress (building) finishes its build"
                + " but activates nothing");
        assertThat(agent.awaitQueuedReconcile()).isEqualTo(new ReconcileOutcome.Suspended(slow));
        assertThat(fleet.host().runningRevision()).contains(first);
        assertThat(fleet.host().invocations()).noneMatch(line -> line.startsWith("nixos-rebuild switch") && line.contains(slow));
        assertThat(agent.state().attempt()).isNull();

        agent.actions().resume();
        assertThat(agent.awaitQueuedReconcile()).isEqualTo(new ReconcileOutcome.Deployed(slow, "switch"));
        assertThat(fleet.host().runningRevision()).contains(slow);
    }

    @Test
    void suspendWhileIdleSaysNothingIsInProgress() throws Exception {
        assertThat(agent.actions().suspend(null).message()).isEqualTo("deployments suspended: suspended by operator; nothing is in progress");
    }

    private void awaitPhase(Phase phase) throws InterruptedException {
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (agent.status().phase() != phase && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(agent.status().phase()).isEqualTo(phase);
    }

    @Test
    void rollbackReturnsToThePreviousGenerationAndSuspendsUntilResumed() throws Exception {
        String second = fleet.pushChange("second");
        agent.reconcile();

        OperatorActions.Result result = agent.actions().rollback(AfterRollback.STAY_SUSPENDED);

        assertThat(result.done()).isTrue();
        assertThat(result.message()).contains("from generation 2 to 1");
        assertThat(fleet.host().invocations()).contains("nixos-rebuild switch --rollback");
        assertThat(fleet.host().runningRevision()).contains(first);
        assertThat(agent.state().deployedCommit()).isEqualTo(first);
        assertThat(agent.state().deployedSignature().signer()).isEqualTo("alice@example.test");
        assertThat(agent.state().isSuspended()).isTrue();
        String third = fleet.pushChange("third");
        assertThat(agent.reconcile()).isEqualTo(new ReconcileOutcome.Suspended(third));
        assertThat(second).isNotEqualTo(third);
    }

    @Test
    void rollbackInDryRunRunsNothingAndSaysWhatItWouldHaveRun() throws Exception {
        fleet.pushChange("second");
        agent.reconcile();
        Map<String, String> properties = fleet.agentProperties();
        properties.put("gitops.deploy.action", "dry-run");
        restartAgent(properties);
        int invocations = fleet.host().invocations().size();

        OperatorActions.Result result = agent.actions().rollback(AfterRollback.STAY_SUSPENDED);

        assertThat(result.done()).isFalse();
        assertThat(result.message()).startsWith("dry-run: would run " + fleet.host().executable() + " switch --rollback; nothing was run");
        assertThat(fleet.host().invocations()).hasSize(invocations);
        assertThat(fleet.host().currentGeneration()).isEqualTo(2);
        assertThat(agent.state().isSuspended()).isFalse();
    }

    @Test
    void aRollbackThatChangesNoGenerationIsNotReportedAsDone() throws Exception {
        Map<String, String> properties = fleet.agentProperties();
        // A rebuild command that succeeds without doing anything, as one pointed at the wrong profile would.
        properties.put("gitops.deploy.command", "/bin/true");
        restartAgent(properties);

        OperatorActions.Result result = agent.actions().rollback(AfterRollback.STAY_SUSPENDED);

        assertThat(result.done()).isFalse();
        assertThat(result.message()).contains("rollback changed nothing").contains("still at generation 1")
                .doesNotContain("rolled back by operator");
        assertThat(agent.state().isSuspended()).isFalse();
        assertThat(agent.status().lastError()).hasValueSatisfying(error -> assertThat(error.reason()).contains("rollback changed nothing"));
    }

    @Test
    void rollbackCanResumeByItselfWhenANewerCommitArrives() throws Exception {
        String bad = fleet.pushChange("bad");
        agent.reconcile();

        agent.actions().rollback(AfterRollback.RESUME_ON_NEW_COMMIT);

        assertThat(agent.reconcile()).as("the rolled-back head is not redeployed").isEqualTo(new ReconcileOutcome.Unchanged(bad));
        assertThat(fleet.host().runningRevision()).contains(first);
        String fix = fleet.pushChange("fix");
        assertThat(agent.reconcile()).isEqualTo(new ReconcileOutcome.Deployed(fix, "switch"));
        assertThat(agent.state().isSuspended()).isFalse();
    }

    @Test
    void fallsBackToTheNextRemoteWhenTheFirstIsDownAndChecksItsCommitsTheSameWay() throws Exception {
        try (GitHttpServer mirror = GitHttpServer.start(fleet.remote().getParent())) {
            Map<String, String> properties = fleet.agentProperties();
            properties.put("gitops.repository.mirrors", mirror.url(Fleet.REPO).toString());
            restartAgent(properties);
            String next = fleet.pushChange("served by the mirror");
            fleet.server().stop();

            assertThat(agent.reconcile()).isEqualTo(new ReconcileOutcome.Deployed(next, "switch"));
            assertThat(agent.status().lastPoll()).hasValueSatisfying(poll -> assertThat(poll.remote()).isEqualTo(mirror.url(Fleet.REPO).toString()));

            dev.gitopsagent.testing.SampleFlake.changeMotd(fleet.work(), Fleet.HOST, "unsigned via mirror");
            String unsigned = fleet.pushUnsigned("unsigned via the mirror");
            ReconcileOutcome outcome = agent.reconcile();
            assertThat(outcome).isInstanceOf(ReconcileOutcome.Refused.class);
            assertThat(((ReconcileOutcome.Refused) outcome).reason()).contains(unsigned).contains("not signed");
        }
    }
}
