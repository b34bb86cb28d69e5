package dev.gitopsagent.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.gitopsagent.TestAgent;
import dev.gitopsagent.config.InvalidConfigException;
import dev.gitopsagent.state.Deployment;
import dev.gitopsagent.state.Evaluation;
import dev.gitopsagent.testing.Fleet;
import dev.gitopsagent.testing.SampleFlake;
import dev.gitopsagent.testing.TestKeys;
import dev.gitopsagent.testing.WorkRepo;

/** One reconcile at a time, against a real Git server, real signatures and the nixos-rebuild double. */
class ReconcilerTest {

    @TempDir
    Path dir;

    Fleet fleet;
    TestAgent agent;

    @BeforeEach
    void createFleet() {
        fleet = Fleet.create(dir);
    }

    @AfterEach
    void stop() throws Exception {
        if (agent != null) {
            agent.close();
        }
        fleet.close();
    }

    private TestAgent start() throws Exception {
        return start(fleet.agentProperties());
    }

    private TestAgent start(Map<String, String> properties) throws Exception {
        if (agent != null) {
            agent.close();
        }
        agent = TestAgent.start(properties);
        return agent;
    }

    @Test
    void deploysCommitSignedWithTrustedSshKey() throws Exception {
        String commit = fleet.pushSigned(TestKeys.trustedSsh(), "first configuration");
        start();

        ReconcileOutcome outcome = agent.reconcile();

        assertThat(outcome).isEqualTo(new ReconcileOutcome.Deployed(commit, "switch"));
        assertThat(fleet.host().runningRevision()).contains(commit);
        assertThat(fleet.host().currentGeneration()).isEqualTo(1);
        assertThat(agent.state().deployedCommit()).isEqualTo(commit);
        assertThat(agent.state().deployedSignature().format()).isEqualTo("ssh");
        assertThat(agent.state().deployedSignature().signer()).isEqualTo("alice@example.test");
    }

    @Test
    void deploysCommitSignedWithTrustedOpenPgpKey() throws Exception {
        String commit = fleet.pushSigned(TestKeys.trustedGpg(), "first configuration");
        start();

        assertThat(agent.reconcile()).isEqualTo(new ReconcileOutcome.Deployed(commit, "switch"));
        assertThat(agent.state().deployedSignature().format()).isEqualTo("openpgp");
        assertThat(agent.state().deployedSignature().key()).isEqualTo(TestKeys.trustedGpg().fingerprint());
        assertThat(agent.state().deployedSignature().signer()).contains("alice@example.test");
    }

    @Test
    void buildsExactlyTheVerifiedCommitFromTheLocalCloneWithItsLockFileThenActivatesIt() throws Exception {
        String commit = fleet.pushSigned(TestKeys.trustedSsh(), "first configuration");
        start().reconcile();

        String flake = "git+file://" + dir.resolve("state/repo.git") + "?ref=refs/heads/main&rev=" + commit + "#" + Fleet.HOST;
        String pinned = " --no-update-lock-file --no-write-lock-file";
        assertThat(fleet.host().invocations())
                .containsExactly("nixos-rebuild build --flake " + flake + pinned, "nixos-rebuild switch --flake " + flake + pinned);
    }

    @Test
    void refusesUnsignedCommitAndKeepsRunningSystem() throws Exception {
        String good = fleet.pushSigned(TestKeys.trustedSsh(), "first configuration");
        start().reconcile();
        SampleFlake.changeMotd(fleet.work(), Fleet.HOST, "unsigned change");
        String unsigned = fleet.pushUnsigned("unsigned change");

        ReconcileOutcome outcome = agent.reconcile();

        assertThat(outcome).isInstanceOf(ReconcileOutcome.Refused.class);
        assertThat(((ReconcileOutcome.Refused) outcome).reason()).contains(unsigned).contains("not signed");
        assertThat(fleet.host().runningRevision()).contains(good);
        assertThat(agent.state().lastEvaluation().outcome()).isEqualTo(Evaluation.Outcome.REFUSED);
        assertThat(agent.status().lastError()).hasValueSatisfying(error -> assertThat(error.reason()).contains("not signed"));
    }

    @Test
    void refusesFirstCommitWhenUnsigned() throws Exception {
        String unsigned = fleet.pushUnsigned("first configuration");
        start();

        ReconcileOutcome outcome = agent.reconcile();

        assertThat(outcome).isEqualTo(new ReconcileOutcome.Refused(unsigned, "refused " + unsigned + ": not signed", "unsigned"));
        assertThat(fleet.host().invocations()).isEmpty();
    }

    @Test
    void refusesCommitSignedByUnknownSshKey() throws Exception {
        String commit = fleet.pushSigned(TestKeys.untrustedSsh(), "first configuration");
        start();

        ReconcileOutcome outcome = agent.reconcile();

        assertThat(outcome).isInstanceOf(ReconcileOutcome.Refused.class);
        assertThat(((ReconcileOutcome.Refused) outcome).reason()).contains(commit).contains("signed by a key this host does not trust");
        assertThat(fleet.host().invocations()).isEmpty();
    }

    @Test
    void refusesCommitSignedByUnknownOpenPgpKey() throws Exception {
        fleet.pushSigned(TestKeys.untrustedGpg(), "first configuration");
        start();

        ReconcileOutcome outcome = agent.reconcile();

        assertThat(outcome).isInstanceOf(ReconcileOutcome.Refused.class);
        assertThat(((ReconcileOutcome.Refused) outcome).reason()).contains("signed by a key this host does not trust")
                .contains(TestKeys.untrustedGpg().fingerprint());
        assertThat(fleet.host().invocations()).isEmpty();
    }

    @Test
    void refusesCommitSignedByExpiredOpenPgpKey() throws Exception {
        Map<String, String> properties = fleet.agentProperties();
        properties.put("gitops.trust.openpgp-keys", TestKeys.expiredGpg().exportPublic(dir.resolve("old.asc")).toString());
        fleet.pushSigned(TestKeys.expiredGpg(), "signed long ago");
        start(properties);

        ReconcileOutcome outcome = agent.reconcile();

        assertThat(outcome).isInstanceOf(ReconcileOutcome.Refused.class);
        assertThat(((ReconcileOutcome.Refused) outcome).reason()).contains("signed by an expired key");
    }

    @Test
    void refusesSignedHeadWithUnsignedCommitInTheMiddleOfThePath() throws Exception {
        fleet.pushSigned(TestKeys.trustedSsh(), "first configuration");
        start().reconcile();
        SampleFlake.changeMotd(fleet.work(), Fleet.HOST, "sneaky");
        String sneaky = fleet.work().commitUnsigned("unsigned, hidden below a signed head");
        String head = fleet.pushChange("looks fine");

        ReconcileOutcome outcome = agent.reconcile();

        assertThat(outcome).isInstanceOf(ReconcileOutcome.Refused.class);
        assertThat(((ReconcileOutcome.Refused) outcome).reason())
                .startsWith("refused " + head)
                .contains("commit " + sneaky + " on the path from the deployed commit is not signed");
        assertThat(fleet.host().currentGeneration()).isEqualTo(1);
    }

    @Test
    void verifiesEveryCommitOnThePathAndDeploysTheHead() throws Exception {
        fleet.pushSigned(TestKeys.trustedSsh(), "first configuration");
        start().reconcile();
        fleet.pushChange("one");
        SampleFlake.changeMotd(fleet.work(), Fleet.HOST, "two");
        fleet.work().commitSigned(TestKeys.trustedGpg(), "two, signed with OpenPGP");
        String head = fleet.pushChange("three");

        assertThat(agent.reconcile()).isEqualTo(new ReconcileOutcome.Deployed(head, "switch"));
        assertThat(fleet.host().currentGeneration()).isEqualTo(2);
    }

    @Test
    void refusesForcePushToAnOlderCommit() throws Exception {
        String old = fleet.pushSigned(TestKeys.trustedSsh(), "first configuration");
        String deployed = fleet.pushChange("newer");
        start().reconcile();
        fleet.work().resetHard(old);
        fleet.work().forcePush(fleet.remote());

        ReconcileOutcome outcome = agent.reconcile();

        assertThat(outcome).isInstanceOf(ReconcileOutcome.Refused.class);
        assertThat(((ReconcileOutcome.Refused) outcome).reason()).contains("not a descendant").contains(deployed);
        assertThat(fleet.host().runningRevision()).contains(deployed);
    }

    @Test
    void refusesRewrittenHistoryEvenWhenSigned() throws Exception {
        fleet.pushSigned(TestKeys.trustedSsh(), "first configuration");
        String deployed = fleet.pushChange("deployed");
        start().reconcile();
        fleet.work().git("reset", "--hard", "HEAD~1");
        SampleFlake.changeMotd(fleet.work(), Fleet.HOST, "rewritten");
        fleet.work().commitSigned(TestKeys.trustedSsh(), "rewritten");
        fleet.work().forcePush(fleet.remote());

        ReconcileOutcome outcome = agent.reconcile();

        assertThat(((ReconcileOutcome.Refused) outcome).reason()).contains("not a descendant of the deployed commit " + deployed);
    }

    @Test
    void losingTheStateFileDoesNotReopenRollback() throws Exception {
        String old = fleet.pushSigned(TestKeys.trustedSsh(), "first configuration");
        String deployed = fleet.pushChange("newer");
        start().reconcile();
        agent.close();
        agent = null;
        Files.delete(fleet.stateFile());
        fleet.work().resetHard(old);
        fleet.work().forcePush(fleet.remote());

        start();
        ReconcileOutcome outcome = agent.reconcile();

        assertThat(outcome).isInstanceOf(ReconcileOutcome.Refused.class);
        assertThat(((ReconcileOutcome.Refused) outcome).reason()).contains("not a descendant").contains(deployed);
    }

    @Test
    void buildsAndActivatesThePinnedRootCommitWhenItIsTheBranchHead() throws Exception {
        String root = fleet.pushSigned(TestKeys.trustedSsh(), "first configuration");
        Map<String, String> properties = fleet.agentProperties();
        properties.put("gitops.trust.root-commit", root);

        assertThat(start(properties).reconcile()).isEqualTo(new ReconcileOutcome.Deployed(root, "switch"));
        assertThat(fleet.host().runningRevision()).contains(root);
        assertThat(agent.state().deployedCommit()).isEqualTo(root);
        assertThat(agent.reconcile()).isInstanceOf(ReconcileOutcome.Unchanged.class);
        assertThat(fleet.host().invocations()).hasSize(2);
    }

    @Test
    void losingTheStateFileDoesNotReopenRollbackOnAHostWithoutARevisionFile() throws Exception {
        String root = fleet.pushSigned(TestKeys.trustedSsh(), "root");
        Map<String, String> properties = fleet.agentProperties();
        properties.put("gitops.trust.root-commit", root);
        start(properties).reconcile();
        fleet.pushChange("a");
        agent.reconcile();
        String b = fleet.pushChange("b");
        agent.reconcile();
        String x = fleet.pushChange("x");
        assertThat(agent.reconcile()).isEqualTo(new ReconcileOutcome.Deployed(x, "switch"));
        agent.close();
        agent = null;
        Files.delete(fleet.stateFile());
        fleet.work().resetHard(b);
        fleet.work().forcePush(fleet.remote());
        // A running system that does not say which commit it was built from (no /run/current-system/etc/gitops-agent/revision).
        properties.put("gitops.deploy.current-system", Files.createDirectories(dir.resolve("system-without-revision")).toString());

        ReconcileOutcome outcome = start(properties).reconcile();

        assertThat(outcome).isInstanceOf(ReconcileOutcome.Refused.class);
        assertThat(((ReconcileOutcome.Refused) outcome).reason()).startsWith("refused " + b).contains("not a descendant").contains(x);
        assertThat(fleet.host().runningRevision()).contains(x);
        assertThat(dir.resolve("high-water/deployed")).hasContent(x + "\n");
    }

    @Test
    void refusesAHighWaterMarkInsideTheStateDirectory() {
        Map<String, String> properties = fleet.agentProperties();
        properties.put("gitops.trust.high-water-mark", dir.resolve("state/high-water").toString());

        assertThatThrownBy(() -> start(properties))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageStartingWith("gitops.trust.high-water-mark must be outside gitops.state-dir");
    }

    @Test
    void theReconcileLoopMergesTheClonesSmallPackFilesOnceTheyPileUp() throws Exception {
        fleet.pushSigned(TestKeys.trustedSsh(), "first configuration");
        start().reconcile();
        Path clone = fleet.root().resolve("state/repo.git");
        long most = 0;
        // 20 fetches; git.SmallPacks merges once more than 16 packs lie beside the first sync's.
        for (int i = 0; i < 20; i++) {
            fleet.pushUnsigned("update " + i);
            assertThat(agent.reconcileOnLoop()).as("update %d", i).isInstanceOf(ReconcileOutcome.Refused.class);
            most = Math.max(most, WorkRepo.packFiles(clone));
        }
        assertThat(most).as("pack files after any reconcile").isEqualTo(17);
    }

    @Test
    void pollWithNoNewCommitFetchesNothing() throws Exception {
        fleet.pushSigned(TestKeys.trustedSsh(), "first configuration");
        start().reconcile();
        fleet.server().resetCounters();

        ReconcileOutcome outcome = agent.reconcile();

        assertThat(outcome).isInstanceOf(ReconcileOutcome.Unchanged.class);
        assertThat(fleet.server().requestCount()).as("one ls-refs round trip, no fetch").isEqualTo(1);
        assertThat(fleet.host().invocations()).hasSize(2);
    }

    @Test
    void keepsRunningWhileServerIsDownAndRecoversByItself() throws Exception {
        fleet.pushSigned(TestKeys.trustedSsh(), "first configuration");
        start().reconcile();
        String next = fleet.pushChange("while down");
        fleet.server().stop();

        ReconcileOutcome down = agent.reconcile();

        assertThat(down).isInstanceOf(ReconcileOutcome.Errored.class);
        assertThat(agent.status().lastError()).hasValueSatisfying(error -> assertThat(error.reason()).contains("cannot read branch main"));
        fleet.server().restart();
        assertThat(agent.reconcile()).isEqualTo(new ReconcileOutcome.Deployed(next, "switch"));
    }

    @Test
    void failedBuildLeavesSystemUntouchedAndIsNotRetried() throws Exception {
        String good = fleet.pushSigned(TestKeys.trustedSsh(), "first configuration");
        start().reconcile();
        SampleFlake.breakEvaluation(fleet.work(), Fleet.HOST, "services.nginx: option does not exist");
        String broken = fleet.pushSigned(TestKeys.trustedSsh(), "broken");

        ReconcileOutcome outcome = agent.reconcile();

        assertThat(outcome).isInstanceOf(ReconcileOutcome.Failed.class);
        assertThat(fleet.host().runningRevision()).contains(good);
        assertThat(fleet.host().currentGeneration()).isEqualTo(1);
        Deployment failed = agent.state().history().get(0);
        assertThat(failed.commit()).isEqualTo(broken);
        assertThat(failed.result()).isEqualTo(Deployment.Result.FAILED);
        assertThat(failed.outputTail()).anySatisfy(line -> assertThat(line).contains("services.nginx: option does not exist"));
        int invocations = fleet.host().invocations().size();

        assertThat(agent.reconcile()).isInstanceOf(ReconcileOutcome.Unchanged.class);
        assertThat(fleet.host().invocations()).hasSize(invocations);

        String fixed = fleet.pushChange("fixed");
        assertThat(agent.reconcile()).isEqualTo(new ReconcileOutcome.Deployed(fixed, "switch"));
    }

    @Test
    void failedCommitIsRetriedOnRequest() throws Exception {
        fleet.pushSigned(TestKeys.trustedSsh(), "first configuration");
        start().reconcile();
        SampleFlake.failActivation(fleet.work(), Fleet.HOST);
        fleet.pushSigned(TestKeys.trustedSsh(), "activation fails");
        assertThat(agent.reconcile()).isInstanceOf(ReconcileOutcome.Failed.class);

        assertThat(agent.actions().retry().done()).isTrue();
        assertThat(agent.awaitQueuedReconcile()).isInstanceOf(ReconcileOutcome.Failed.class);
        assertThat(fleet.host().invocations().stream().filter(line -> line.startsWith("nixos-rebuild build"))).hasSize(3);
    }

    @Test
    void killsAHangingBuildWithItsWholeProcessTreeAtTheTimeout() throws Exception {
        fleet.pushSigned(TestKeys.trustedSsh(), "first configuration");
        Map<String, String> properties = fleet.agentProperties();
        properties.put("gitops.deploy.timeout", "2s");
        start(properties).reconcile();
        // A duration no other process on this machine is likely to sleep for, so the check below finds only ours.
        int seconds = 600 + java.util.concurrent.ThreadLocalRandom.current().nextInt(3000);
        SampleFlake.slowBuild(fleet.work(), Fleet.HOST, seconds);
        String slow = fleet.pushSigned(TestKeys.trustedSsh(), "hangs");

        ReconcileOutcome outcome = agent.reconcile();

        assertThat(outcome).isInstanceOf(ReconcileOutcome.Failed.class);
        assertThat(((ReconcileOutcome.Failed) outcome).reason()).contains(slow).contains("killed after");
        assertThat(fleet.host().currentGeneration()).isEqualTo(1);
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (sleepersOf(seconds) > 0 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(sleepersOf(seconds)).as("the build's child 'sleep %d' was killed too", seconds).isZero();
    }

    private static long sleepersOf(int seconds) {
        return ProcessHandle.allProcesses()
                .filter(process -> process.info().commandLine().orElse("").endsWith("sleep " + seconds))
                .count();
    }

    @Test
    void restartKeepsDeployedCommitAndDoesNotRedeploy() throws Exception {
        String commit = fleet.pushSigned(TestKeys.trustedSsh(), "first configuration");
        start().reconcile();
        agent.close();
        agent = null;

        start();

        assertThat(agent.state().deployedCommit()).isEqualTo(commit);
        assertThat(agent.reconcile()).isInstanceOf(ReconcileOutcome.Unchanged.class);
        assertThat(fleet.host().invocations()).hasSize(2);
    }

    @Test
    void restartAfterACrashMidDeploymentReadsTheOutcomeBackFromTheSystem() throws Exception {
        String commit = fleet.pushSigned(TestKeys.trustedSsh(), "first configuration");
        String stateWithAttempt = """
                {"attempt": {"commit": "%s", "action": "switch", "startedAt": "2026-01-01T00:00:00Z"}}
                """.formatted(commit);
        fleet.writeFile("state/state.json", stateWithAttempt);
        fleet.host().run(dir, "switch", "--flake", "git+file://" + fleet.remote() + "?rev=" + commit + "#" + Fleet.HOST,
                "--no-update-lock-file", "--no-write-lock-file").orThrow();

        start();

        assertThat(agent.state().attempt()).isNull();
        assertThat(agent.state().deployedCommit()).isEqualTo(commit);
        assertThat(agent.state().history().get(0).result()).isEqualTo(Deployment.Result.SUCCEEDED);
    }

    @Test
    void dryRunVerifiesAndRunsNothing() throws Exception {
        String commit = fleet.pushSigned(TestKeys.trustedSsh(), "first configuration");
        Map<String, String> properties = fleet.agentProperties();
        properties.put("gitops.deploy.action", "dry-run");

        assertThat(start(properties).reconcile()).isEqualTo(new ReconcileOutcome.Deployed(commit, "dry-run"));
        assertThat(fleet.host().invocations()).isEmpty();
        assertThat(agent.state().history().get(0).outputTail()).anySatisfy(line -> assertThat(line).contains("rev=" + commit));
    }
}
