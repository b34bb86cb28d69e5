package dev.gitopsagent.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.gitopsagent.TestAgent;
import dev.gitopsagent.deploy.NixVersion;
import dev.gitopsagent.testing.CommandLine;
import dev.gitopsagent.testing.Fleet;
import dev.gitopsagent.testing.ProcessResult;
import dev.gitopsagent.testing.TestKeys;

/**
 * A new host's first sync of the head alone (issue 14): with nothing older to verify, the clone gets
 * the head without its history, Nix is told the clone is shallow, and every later decision (the
 * verified path, the descent check) is the one a full clone would make. History reaching below the
 * head makes the clone fetch the rest of it first.
 */
class ShallowFirstSyncTest {

    @TempDir
    Path dir;

    private Fleet fleet;
    private TestAgent agent;
    private String older;
    private String head;

    /** Two unsigned commits from before the host existed, then a signed head, a minute apart each. */
    @BeforeEach
    void historyFromBeforeTheHost() {
        fleet = Fleet.create(dir.resolve("fleet"));
        Instant now = Instant.now();
        fleet.work().dated(now.minusSeconds(180).toString());
        fleet.pushUnsigned("from before signing");
        older = fleet.pushUnsigned("also from before signing");
        fleet.work().dated(null);
        head = fleet.pushChangeAt("the head a new host starts from", now.minusSeconds(60));
    }

    @AfterEach
    void stop() throws Exception {
        if (agent != null) {
            agent.close();
        }
        fleet.close();
    }

    /** How the agent reaches the repository: the real Git server on loopback, or the repository's path. */
    enum Transport {
        HTTP, FILE
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void aNewHostFetchesTheHeadAloneAndTellsNixTheCloneIsShallow(Transport transport) throws Exception {
        Map<String, String> properties = shallow();
        if (transport == Transport.FILE) {
            properties.put("gitops.repository.url", fleet.remote().toUri().toString());
        }
        agent = TestAgent.start(properties);

        assertThat(agent.reconcile()).isEqualTo(new ReconcileOutcome.Deployed(head, "switch"));

        assertThat(git("rev-list", "--count", "main")).isEqualTo("1");
        assertThat(git("cat-file", "-t", older + "^{tree}", true)).as("nothing older than the head was fetched").isEmpty();
        assertThat(mirrorDir().resolve("shallow")).hasContent(head);
        assertThat(fleet.host().invocations()).anyMatch(line -> line.startsWith("nixos-rebuild switch") && line.contains("rev=" + head + "&shallow=1"));
    }

    @Test
    void laterCommitsOnTopKeepTheCloneShallowAndAreVerifiedFromTheDeployedCommit() throws Exception {
        agent = TestAgent.start(shallow());
        agent.reconcile();
        String next = fleet.pushChange("next");

        assertThat(agent.reconcile()).isEqualTo(new ReconcileOutcome.Deployed(next, "switch"));

        assertThat(git("rev-list", "--count", "main")).isEqualTo("2");
        assertThat(mirrorDir().resolve("shallow")).hasContent(head);
    }

    @Test
    void aServerThatUncutsTheHistoryWithoutSendingItIsRefusedAndTheCutKept() throws Exception {
        agent = TestAgent.start(shallow());
        agent.reconcile();
        String next = fleet.pushChange("next");
        fleet.server().sendUnsolicitedUnshallow(head);

        ReconcileOutcome outcome = agent.reconcileOnLoop();

        assertThat(outcome).isInstanceOf(ReconcileOutcome.Refused.class);
        assertThat(((ReconcileOutcome.Refused) outcome).cause()).isEqualTo("unsolicited-shallow");
        assertThat(mirrorDir().resolve("shallow")).hasContent(head);

        fleet.server().sendUnsolicitedUnshallow(null);

        assertThat(agent.reconcile()).isEqualTo(new ReconcileOutcome.Deployed(next, "switch"));
        assertThat(mirrorDir().resolve("shallow")).hasContent(head);
    }

    @Test
    void aMergeOfABranchForkedBeforeTheFirstSyncFetchesTheRestOfTheHistoryAndIsVerifiedAsInAFullClone() throws Exception {
        agent = TestAgent.start(shallow());
        agent.reconcile();
        fleet.work().git("checkout", "-q", "-b", "side", older);
        fleet.work().writeFile("hosts/" + Fleet.HOST + "/side.txt", "side\n").commitSigned(TestKeys.trustedSsh(), "side work off an old commit");
        fleet.work().checkout("main");
        String merge = fleet.work().mergeSigned("side", TestKeys.trustedSsh(), "merge side work");
        fleet.work().push(fleet.remote());

        // In a clone cut below the head, the side branch would lead down to the unsigned commits from before signing.
        assertThat(agent.reconcile()).isEqualTo(new ReconcileOutcome.Deployed(merge, "switch"));

        assertThat(mirrorDir().resolve("shallow")).doesNotExist();
        assertThat(git("rev-list", "--count", "main")).isEqualTo(gitIn(fleet.remote(), "rev-list", "--count", "main"));
    }

    @Test
    void aForcePushBelowTheFirstSyncsHeadIsRefusedAsInAFullClone() throws Exception {
        agent = TestAgent.start(shallow());
        agent.reconcile();
        fleet.work().resetHard(older);
        fleet.work().forcePush(fleet.remote());

        ReconcileOutcome outcome = agent.reconcile();

        assertThat(outcome).isInstanceOf(ReconcileOutcome.Refused.class);
        assertThat(((ReconcileOutcome.Refused) outcome).cause()).isEqualTo("not-descendant");
        assertThat(((ReconcileOutcome.Refused) outcome).reason()).contains("not a descendant").contains(head);
        assertThat(mirrorDir().resolve("shallow")).doesNotExist();
        assertThat(fleet.host().runningRevision()).contains(head);
    }

    @Test
    void aTrustRootOlderThanTheHeadFetchesTheHistoryDownToIt() throws Exception {
        Map<String, String> properties = shallow();
        properties.put("gitops.trust.root-commit", older);
        agent = TestAgent.start(properties);

        ReconcileOutcome outcome = agent.reconcile();

        assertThat(mirrorDir().resolve("shallow")).doesNotExist();
        assertThat(git("rev-list", "--count", "main")).isEqualTo("3");
        assertThat(outcome).isEqualTo(new ReconcileOutcome.Deployed(head, "switch"));
    }

    @Test
    void withTheTestingBranchTooTheFirstSyncFetchesFullHistory() throws Exception {
        fleet.work().pushTo(fleet.remote(), "testing-" + Fleet.HOST);
        Map<String, String> properties = shallow();
        properties.put("gitops.testing.enabled", "true");
        agent = TestAgent.start(properties);

        agent.reconcile();

        assertThat(mirrorDir().resolve("shallow")).doesNotExist();
        assertThat(git("rev-list", "--count", "main")).isEqualTo("3");
    }

    @Test
    void autoFetchesTheHeadAloneOnlyForANixThatBuildsFromAShallowClone() throws Exception {
        ProcessResult version = CommandLine.of("nix", "--version").run();
        boolean readsShallow = version.exitCode() == 0 && NixVersion.parse(version.stdout()).map(NixVersion::readsShallowClones).orElse(false);
        agent = TestAgent.start(fleet.agentProperties());

        assertThat(agent.reconcile()).isEqualTo(new ReconcileOutcome.Deployed(head, "switch"));

        assertThat(mirrorDir().resolve("shallow").toFile().exists()).as("shallow with " + version.stdout().strip()).isEqualTo(readsShallow);
    }

    private Map<String, String> shallow() {
        Map<String, String> properties = fleet.agentProperties();
        properties.put("gitops.repository.first-sync", "shallow");
        return properties;
    }

    private Path mirrorDir() {
        return fleet.root().resolve("state/repo.git");
    }

    private String git(String... args) {
        return gitIn(mirrorDir(), args);
    }

    /** The output, or empty when git fails and {@code mayFail}. */
    private String git(String subcommand, String option, String object, boolean mayFail) {
        ProcessResult result = CommandLine.of("git", "--git-dir", mirrorDir().toString(), subcommand, option, object)
                .env("GIT_CONFIG_GLOBAL", "/dev/null").env("GIT_CONFIG_NOSYSTEM", "1").run();
        return result.exitCode() == 0 || !mayFail ? result.stdout().strip() : "";
    }

    private static String gitIn(Path repository, String... args) {
        List<String> command = new java.util.ArrayList<>(List.of("git", "--git-dir", repository.toString()));
        command.addAll(List.of(args));
        ProcessResult result = CommandLine.of(command).env("GIT_CONFIG_GLOBAL", "/dev/null").env("GIT_CONFIG_NOSYSTEM", "1").run();
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        return result.stdout().strip();
    }
}
