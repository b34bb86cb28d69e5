package dev.gitopsagent.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.gitopsagent.TestAgent;
import dev.gitopsagent.state.Evaluation;
import dev.gitopsagent.testing.CommandLine;
import dev.gitopsagent.testing.Fleet;
import dev.gitopsagent.testing.GitSshServer;
import dev.gitopsagent.testing.ProcessResult;
import dev.gitopsagent.testing.SettableClock;
import dev.gitopsagent.testing.SshKey;
import dev.gitopsagent.testing.TestKeys;

/**
 * What one fetch may bring in (issue 9): over its byte or object bound, or with shallow information
 * the agent never asked for, a fetch is refused with its own reason naming the limit and its key.
 * The local clone keeps its branches, objects and full history, the running system is untouched, and
 * the next poll fetches again. Each transport stores a fetch the same way, so each is tried.
 */
class FetchBoundsTest {

    /** How the agent reaches the repository: a real server on loopback, or the repository's path. */
    enum Transport {
        HTTP, SSH, FILE
    }

    @TempDir
    Path dir;

    private Fleet fleet;
    private GitSshServer ssh;
    private TestAgent agent;
    private String first;

    @BeforeEach
    void deployTheFirstCommit() {
        fleet = Fleet.create(dir.resolve("fleet"));
        first = fleet.pushSigned(TestKeys.trustedSsh(), "first configuration");
    }

    @AfterEach
    void stop() throws Exception {
        if (agent != null) {
            agent.close();
        }
        if (ssh != null) {
            ssh.close();
        }
        fleet.close();
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void refusesAFetchOverTheByteBoundAndKeepsTheCloneAsItWas(Transport transport) throws Exception {
        Map<String, String> properties = deployedOver(transport);
        properties.put("gitops.repository.fetch.max-bytes", "65536");
        agent = TestAgent.start(properties);
        String large = pushLargeFile(200_000);

        ReconcileOutcome outcome = agent.reconcileOnLoop();

        assertRefused(outcome, large, "fetch-too-large");
        assertThat(((ReconcileOutcome.Refused) outcome).reason())
                .contains("more than 65536 bytes in one fetch, the limit set by gitops.repository.fetch.max-bytes");
        assertCloneAndHostUntouched(large);
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void refusesAFetchOverTheObjectBoundAndKeepsTheCloneAsItWas(Transport transport) throws Exception {
        Map<String, String> properties = deployedOver(transport);
        properties.put("gitops.repository.fetch.max-objects", "20");
        agent = TestAgent.start(properties);
        for (int i = 0; i < 30; i++) {
            fleet.work().writeFile("hosts/" + Fleet.HOST + "/many/file-" + i + ".txt", "file " + i + "\n");
        }
        String many = fleet.pushSigned(TestKeys.trustedSsh(), "thirty new files");

        ReconcileOutcome outcome = agent.reconcileOnLoop();

        assertRefused(outcome, many, "too-many-objects");
        assertThat(((ReconcileOutcome.Refused) outcome).reason())
                .containsPattern("announced \\d+ objects in one fetch, more than 20, the limit set by gitops.repository.fetch.max-objects");
        assertCloneAndHostUntouched(many);
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void aLaterFetchTakesAWholeBlobOverTheHeldLimitButRefusesADeltaOnIt(Transport transport) throws Exception {
        Map<String, String> properties = deployedOver(transport);
        properties.put("gitops.repository.fetch.max-object-bytes", "65536");
        agent = TestAgent.start(properties);
        // A whole blob streams through the parser: over the limit, it is still taken.
        String large = pushLargeFile(200_000);
        assertThat(agent.reconcile()).isEqualTo(new ReconcileOutcome.Deployed(large, "switch"));
        // A line more: git sends the new version as a delta on the one the clone holds, which the parser would load whole.
        fleet.work().writeFile("hosts/" + Fleet.HOST + "/large.txt", fleet.work().readFile("hosts/" + Fleet.HOST + "/large.txt") + "\nmore\n");
        String changed = fleet.pushSigned(TestKeys.trustedSsh(), "a line more in the large file");

        ReconcileOutcome outcome = agent.reconcileOnLoop();

        assertRefused(outcome, changed, "object-too-large");
        assertThat(((ReconcileOutcome.Refused) outcome).reason()).contains("whose base is 200000 bytes, more than 65536 bytes, the limit set by "
                + "gitops.repository.fetch.max-object-bytes");
        assertCloneAndHostUntouched(changed, large);
    }

    @Test
    void refusesAFirstFetchOverTheObjectBoundAndLeavesTheCloneEmpty() throws Exception {
        Map<String, String> properties = fleet.agentProperties();
        properties.put("gitops.repository.fetch.max-objects", "3");
        agent = TestAgent.start(properties);

        ReconcileOutcome outcome = agent.reconcileOnLoop();

        assertRefused(outcome, first, "too-many-objects");
        assertThat(gitResult("rev-parse", "--verify", "refs/heads/main").exitCode()).as("no branch was created").isNotZero();
        assertThat(gitResult("count-objects", "-v").stdout()).contains("count: 0").contains("in-pack: 0");
        assertThat(fleet.host().invocations()).isEmpty();
    }

    @Test
    void triesAgainOnEveryPollAndDeploysOnceTheBoundIsRaised() throws Exception {
        Map<String, String> properties = deployedOver(Transport.HTTP);
        properties.put("gitops.repository.fetch.max-bytes", "65536");
        agent = TestAgent.start(properties);
        String large = pushLargeFile(200_000);
        agent.reconcileOnLoop();
        fleet.server().resetCounters();

        ReconcileOutcome again = agent.reconcileOnLoop();

        assertRefused(again, large, "fetch-too-large");
        assertThat(fleet.server().requestCount()).as("the second poll fetched again: a probe and a fetch").isGreaterThan(1);
        assertThat(agent.counter("gitops_refusals_total", "reason", "fetch-too-large")).isEqualTo(2);

        agent.close();
        properties.remove("gitops.repository.fetch.max-bytes");
        agent = TestAgent.start(properties);

        assertThat(agent.reconcile()).isEqualTo(new ReconcileOutcome.Deployed(large, "switch"));
        assertThat(fleet.host().runningRevision()).contains(large);
    }

    @Test
    void theSameHeadsRefusedAgainWaitLongerEachTimeButNewHeadsAndAnOperatorsRetryFetchAtOnce() throws Exception {
        Map<String, String> properties = deployedOver(Transport.HTTP);
        properties.put("gitops.repository.fetch.max-bytes", "65536");
        properties.put("gitops.poll.interval", "10s");
        properties.put("gitops.poll.max-backoff", "50s");
        SettableClock clock = new SettableClock(Instant.parse("2026-11-27T12:00:00Z"));
        agent = TestAgent.start(properties, clock);
        String large = pushLargeFile(200_000);

        // Each refusal of the same heads pauses their next fetch by 2^(n-1) - 1 intervals, at most max-backoff: 0, 10, 30, 50 s.
        assertFetchedAndRefused(large, 1);
        assertFetchedAndRefused(large, 2);
        assertHeldBack(large, 2);
        clock.advance(Duration.ofSeconds(10));
        assertFetchedAndRefused(large, 3);
        clock.advance(Duration.ofSeconds(29));
        assertHeldBack(large, 3);
        clock.advance(Duration.ofSeconds(1));
        assertFetchedAndRefused(large, 4);
        clock.advance(Duration.ofSeconds(49));
        assertHeldBack(large, 4);
        clock.advance(Duration.ofSeconds(1));
        assertFetchedAndRefused(large, 5);
        assertThat(agent.state().evaluation()).map(Evaluation::outcome).contains(Evaluation.Outcome.REFUSED);
        assertThat(agent.status().lastError()).isPresent();

        String larger = pushLargeFile(300_000);
        assertFetchedAndRefused(larger, 6);
        assertFetchedAndRefused(larger, 7);
        assertHeldBack(larger, 7);

        assertThat(agent.actions().retry().done()).isTrue();
        assertRefused(agent.awaitQueuedReconcile(), larger, "fetch-too-large");
        assertThat(agent.counter("gitops_refusals_total", "reason", "fetch-too-large")).isEqualTo(8);
    }

    private void assertFetchedAndRefused(String head, int refusals) throws Exception {
        fleet.server().resetCounters();
        assertRefused(agent.reconcileOnLoop(), head, "fetch-too-large");
        assertThat(fleet.server().requestCount()).as("a probe and a fetch").isGreaterThan(1);
        assertThat(agent.counter("gitops_refusals_total", "reason", "fetch-too-large")).isEqualTo(refusals);
    }

    private void assertHeldBack(String head, int refusals) throws Exception {
        fleet.server().resetCounters();
        assertThat(agent.reconcileOnLoop()).isEqualTo(new ReconcileOutcome.Unchanged(head));
        assertThat(fleet.server().requestCount()).as("the probe alone").isEqualTo(1);
        assertThat(agent.counter("gitops_refusals_total", "reason", "fetch-too-large")).isEqualTo(refusals);
    }

    @Test
    void refusesUnsolicitedShallowInformationAndKeepsTheFullHistory() throws Exception {
        Map<String, String> properties = deployedOver(Transport.HTTP);
        agent = TestAgent.start(properties);
        String next = fleet.pushChange("next");
        // The server claims the deployed commit is shallow: the clone would lose everything before it.
        fleet.server().sendUnsolicitedShallow(first);

        ReconcileOutcome outcome = agent.reconcileOnLoop();

        assertRefused(outcome, next, "unsolicited-shallow");
        assertThat(((ReconcileOutcome.Refused) outcome).reason()).contains("shallow information");
        assertThat(mirrorDir().resolve("shallow")).doesNotExist();
        assertCloneAndHostUntouched(next);

        fleet.server().sendUnsolicitedShallow(null);

        assertThat(agent.reconcile()).isEqualTo(new ReconcileOutcome.Deployed(next, "switch"));
        assertThat(mirrorDir().resolve("shallow")).doesNotExist();
        assertThat(git("rev-list", "--count", next).strip()).isEqualTo("2");
    }

    /** The agent's properties for this transport, after one agent deployed the first commit over it with the default bounds. */
    private Map<String, String> deployedOver(Transport transport) throws Exception {
        Map<String, String> properties = fleet.agentProperties();
        switch (transport) {
            case HTTP -> {
            }
            case SSH -> {
                SshKey deployKey = SshKey.generate(dir.resolve("deploy-key"), "gitops@web1");
                ssh = GitSshServer.start(fleet.remote().getParent()).authorize(deployKey.publicKey());
                properties.put("gitops.repository.url", ssh.url(Fleet.REPO).toString());
                properties.put("gitops.repository.ssh-key-file", deployKey.privateKey().toString());
                properties.put("gitops.repository.known-hosts-file", ssh.writeKnownHosts(dir.resolve("known_hosts")).toString());
            }
            case FILE -> properties.put("gitops.repository.url", fleet.remote().toUri().toString());
        }
        try (TestAgent firstAgent = TestAgent.start(properties)) {
            assertThat(firstAgent.reconcile()).isEqualTo(new ReconcileOutcome.Deployed(first, "switch"));
        }
        return properties;
    }

    /** A signed commit adding a file of {@code size} random (so incompressible) characters. */
    private String pushLargeFile(int size) {
        byte[] noise = new byte[size * 3 / 4];
        new Random(42).nextBytes(noise);
        fleet.work().writeFile("hosts/" + Fleet.HOST + "/large.txt", Base64.getEncoder().encodeToString(noise));
        return fleet.pushSigned(TestKeys.trustedSsh(), "a large file");
    }

    private void assertRefused(ReconcileOutcome outcome, String head, String cause) {
        assertThat(outcome).isInstanceOf(ReconcileOutcome.Refused.class);
        ReconcileOutcome.Refused refused = (ReconcileOutcome.Refused) outcome;
        assertThat(refused.commit()).isEqualTo(head);
        assertThat(refused.cause()).isEqualTo(cause);
        assertThat(agent.counter("gitops_refusals_total", "reason", cause)).isPositive();
        assertThat(agent.status().lastError()).hasValueSatisfying(problem -> assertThat(problem.reason()).isEqualTo(refused.reason()));
    }

    /** The clone's branch, objects and packs are as before the fetch, and the host still runs the first commit. */
    private void assertCloneAndHostUntouched(String refusedHead) throws Exception {
        assertCloneAndHostUntouched(refusedHead, first);
    }

    /** The clone's branch, objects and packs are as before the fetch, and the host still runs {@code deployed}. */
    private void assertCloneAndHostUntouched(String refusedHead, String deployed) throws Exception {
        assertThat(git("rev-parse", "refs/heads/main").strip()).isEqualTo(deployed);
        assertThat(gitResult("cat-file", "-e", refusedHead).exitCode()).as("the refused head is not in the clone").isNotZero();
        assertThat(gitResult("fsck", "--strict", "--no-dangling").exitCode()).isZero();
        try (Stream<Path> packs = Files.list(mirrorDir().resolve("objects/pack"))) {
            assertThat(packs.map(pack -> pack.getFileName().toString()))
                    .as("no partial pack is left behind").noneMatch(name -> name.startsWith("incoming_") || name.endsWith(".keep"));
        }
        assertThat(fleet.host().runningRevision()).contains(deployed);
    }

    private Path mirrorDir() {
        return fleet.root().resolve("state/repo.git");
    }

    private String git(String... args) {
        ProcessResult result = gitResult(args);
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        return result.stdout();
    }

    private ProcessResult gitResult(String... args) {
        List<String> command = new java.util.ArrayList<>(List.of("git", "--git-dir", mirrorDir().toString()));
        command.addAll(List.of(args));
        return CommandLine.of(command).env("GIT_CONFIG_GLOBAL", "/dev/null").env("GIT_CONFIG_NOSYSTEM", "1").run();
    }
}
