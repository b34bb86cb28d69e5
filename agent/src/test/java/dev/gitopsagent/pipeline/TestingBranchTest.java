package dev.gitopsagent.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.gitopsagent.testing.Fleet;
import dev.gitopsagent.testing.SampleFlake;
import dev.gitopsagent.testing.TestKeys;

/** {@code testing-<host>}: tried with {@code nixos-rebuild test} while it sits on top of main. */
class TestingBranchTest extends DeployedFleetTest {

    private static final String TESTING = "testing-" + Fleet.HOST;

    private String pushToTesting(String motd, boolean signed) {
        return pushToTesting("main", motd, signed);
    }

    /** Commits on top of {@code parent} and force-pushes that as the testing branch. */
    private String pushToTesting(String parent, String motd, boolean signed) {
        fleet.work().git("checkout", "-q", "-B", TESTING, parent);
        SampleFlake.changeMotd(fleet.work(), Fleet.HOST, motd);
        String commit = signed ? fleet.work().commitSigned(TestKeys.trustedSsh(), motd) : fleet.work().commitUnsigned(motd);
        fleet.work().pushTo(fleet.remote(), TESTING);
        fleet.work().checkout("main");
        return commit;
    }

    @Test
    void testingBranchOnTopOfMainIsActivatedWithTestAndLeavesTheBootDefaultAlone() throws Exception {
        String trial = pushToTesting("trying something", true);

        assertThat(agent.reconcile()).isEqualTo(new ReconcileOutcome.Deployed(trial, "test"));

        assertThat(fleet.host().runningRevision()).contains(trial);
        assertThat(fleet.host().bootRevision()).contains(first);
        assertThat(fleet.host().currentGeneration()).isEqualTo(1);
        assertThat(agent.state().testingCommit()).isEqualTo(trial);
        assertThat(agent.state().deployedCommit()).isEqualTo(first);
        assertThat(agent.reconcile()).isInstanceOf(ReconcileOutcome.Unchanged.class);
    }

    @Test
    void mainMovingPastTheTestingBranchWinsAgain() throws Exception {
        pushToTesting("trying something", true);
        agent.reconcile();
        String next = fleet.pushChange("main moved on");

        assertThat(agent.reconcile()).isEqualTo(new ReconcileOutcome.Deployed(next, "switch"));
        assertThat(fleet.host().runningRevision()).contains(next);
        assertThat(fleet.host().bootRevision()).contains(next);
        assertThat(agent.state().testingCommit()).isNull();
    }

    @Test
    void deletingTheTestingBranchReturnsTheHostToMain() throws Exception {
        pushToTesting("trying something", true);
        agent.reconcile();
        fleet.work().git("push", fleet.remote().toString(), "--delete", TESTING);

        assertThat(agent.reconcile()).isEqualTo(new ReconcileOutcome.Deployed(first, "switch"));
        assertThat(fleet.host().runningRevision()).contains(first);
        assertThat(agent.state().testingCommit()).isNull();
    }

    @Test
    void unsignedCommitOnTheTestingBranchIsRefused() throws Exception {
        String unsigned = pushToTesting("unsigned trial", false);

        ReconcileOutcome outcome = agent.reconcile();

        assertThat(outcome).isInstanceOf(ReconcileOutcome.Refused.class);
        assertThat(((ReconcileOutcome.Refused) outcome).reason()).contains(unsigned).contains("not signed");
        assertThat(fleet.host().runningRevision()).contains(first);
    }

    @Test
    void testingBranchThatDoesNotSitOnTopOfMainIsIgnored() throws Exception {
        pushToTesting("based on the old main", true);
        String next = fleet.pushChange("main moved on first");

        assertThat(agent.reconcile()).isEqualTo(new ReconcileOutcome.Deployed(next, "switch"));
        assertThat(fleet.host().invocations()).noneMatch(line -> line.startsWith("nixos-rebuild test"));
    }

    private void forcePushTesting(String commit) {
        fleet.work().git("push", "-q", "--force", fleet.remote().toString(), commit + ":refs/heads/" + TESTING);
    }

    @Test
    void forcePushingTheTestingBranchBackToAnOlderTestingCommitIsRefused() throws Exception {
        String older = pushToTesting("first trial", true);
        agent.reconcile();
        String newer = pushToTesting(older, "second trial", true);
        assertThat(agent.reconcile()).isEqualTo(new ReconcileOutcome.Deployed(newer, "test"));
        forcePushTesting(older);

        ReconcileOutcome outcome = agent.reconcile();

        assertThat(outcome).isInstanceOf(ReconcileOutcome.Refused.class);
        assertThat(((ReconcileOutcome.Refused) outcome).reason()).startsWith("refused " + older)
                .contains("replay of an older testing commit: " + newer);
        assertThat(fleet.host().runningRevision()).contains(newer);
    }

    @Test
    void aTestedCommitIsNotActivatedAgainAfterTheHostReturnedToMain() throws Exception {
        String trial = pushToTesting("trial", true);
        agent.reconcile();
        fleet.work().git("push", fleet.remote().toString(), "--delete", TESTING);
        assertThat(agent.reconcile()).isEqualTo(new ReconcileOutcome.Deployed(first, "switch"));
        forcePushTesting(trial);

        ReconcileOutcome outcome = agent.reconcile();

        assertThat(outcome).isInstanceOf(ReconcileOutcome.Refused.class);
        assertThat(((ReconcileOutcome.Refused) outcome).reason()).contains("replay of an older testing commit");
        assertThat(fleet.host().runningRevision()).contains(first);
        assertThat(agent.state().lastTested().commit()).isEqualTo(trial);
    }

    @Test
    void aRewrittenTestingBranchWaitsForMainToMoveThenStartsAfresh() throws Exception {
        pushToTesting("trial", true);
        agent.reconcile();
        String rewritten = pushToTesting("main", "another trial", true);

        ReconcileOutcome outcome = agent.reconcile();

        assertThat(outcome).isInstanceOf(ReconcileOutcome.Refused.class);
        assertThat(((ReconcileOutcome.Refused) outcome).reason()).startsWith("refused " + rewritten).contains("testing branch was rewritten");
        String next = fleet.pushChange("main moves on");
        assertThat(agent.reconcile()).isEqualTo(new ReconcileOutcome.Deployed(next, "switch"));
        String fresh = pushToTesting("main", "a fresh trial on the new main", true);
        assertThat(agent.reconcile()).isEqualTo(new ReconcileOutcome.Deployed(fresh, "test"));
    }

    @Test
    void withActionBootTheTestingBranchIsNeverActivatedLive() throws Exception {
        Map<String, String> properties = fleet.agentProperties();
        properties.put("gitops.deploy.action", "boot");
        restartAgent(properties);
        pushToTesting("trial", true);

        assertThat(agent.reconcile()).isInstanceOf(ReconcileOutcome.Unchanged.class);
        String next = fleet.pushChange("main moves on");
        pushToTesting("main", "trial on the new main", true);
        assertThat(agent.reconcile()).isEqualTo(new ReconcileOutcome.Deployed(next, "boot"));
        assertThat(fleet.host().invocations()).noneMatch(line -> line.startsWith("nixos-rebuild test"));
        assertThat(fleet.host().runningRevision()).contains(first);
        assertThat(fleet.host().bootRevision()).contains(next);
    }
}
