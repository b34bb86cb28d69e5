package dev.gitopsagent.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.gitopsagent.TestAgent;
import dev.gitopsagent.config.InvalidConfigException;
import dev.gitopsagent.config.StartupChecks;
import dev.gitopsagent.rollout.Wait;
import dev.gitopsagent.state.Deployment;
import dev.gitopsagent.testing.CacheModeHost;
import dev.gitopsagent.testing.Fleet;
import dev.gitopsagent.testing.PrivateNix;
import dev.gitopsagent.testing.SettableClock;
import dev.gitopsagent.testing.StaticHttpServer;
import dev.gitopsagent.testing.TestKeys;

/**
 * Cache mode ({@code gitops.deploy.cache.*}) with this machine's real Nix on a private store: CI
 * builds the toplevel and pushes it to a {@code file://} binary cache signed with its key; the
 * agent evaluates the verified commit's toplevel, fetches exactly that path from the cache, and
 * activates it by path. The clock is set by hand only to pass the wait deadline.
 */
class CacheModeTest {

    private static final Instant START = Instant.parse("2030-01-07T10:00:00Z");
    private static final Duration MAX_WAIT = Duration.ofMinutes(30);

    @TempDir
    Path dir;

    Fleet fleet;
    CacheModeHost host;
    PrivateNix nix;
    Path cache;
    Path activations;
    Path profile;
    Path currentSystem;
    SettableClock clock;
    TestAgent agent;

    @BeforeEach
    void setUp() throws Exception {
        fleet = Fleet.create(dir.resolve("fleet"));
        host = CacheModeHost.create(dir, fleet);
        nix = host.nix();
        cache = host.cache();
        activations = host.activations();
        profile = host.profile();
        currentSystem = host.currentSystem();
        clock = new SettableClock(START);
    }

    @AfterEach
    void tearDown() throws Exception {
        if (agent != null) {
            agent.close();
        }
        fleet.close();
    }

    @Test
    void activatesTheClosureCiPushedByItsStorePathWithoutBuildingIt() throws Exception {
        agent = start("build");
        String commit = push("first system");
        String toplevel = host.publish(commit);

        ReconcileOutcome outcome = agent.reconcile();

        assertThat(outcome).isEqualTo(new ReconcileOutcome.Deployed(commit, "switch"));
        Deployment deployment = agent.state().history().get(0);
        assertThat(deployment.outputTail()).anySatisfy(line -> assertThat(line).contains("copying path '" + toplevel + "' from 'file://" + cache));
        assertThat(deployment.outputTail()).noneSatisfy(line -> assertThat(line).contains("building '"));
        assertThat(Files.readAllLines(activations)).containsExactly("switch " + toplevel);
        assertThat(profile.toRealPath()).isEqualTo(Path.of(toplevel));
        assertThat(currentSystem.resolve("etc/gitops-agent/revision")).hasContent(commit);
    }

    /**
     * Over HTTP, as most caches are served: Nix remembers a narinfo it did not find for an hour unless
     * told otherwise, which would hide the closure CI pushes while the host waits.
     */
    @Test
    void waitsForAClosureCiHasNotPushedYetAndActivatesItOnceItArrives() throws Exception {
        Files.createDirectories(cache);
        nix.run("copy", "--to", "file://" + cache, nix.run("eval", "--raw", "--expr", "builtins.toFile \"seed\" \"\"").orThrow().stdout()).orThrow();
        StaticHttpServer httpCache = StaticHttpServer.serve(cache);
        agent = start("refuse", Map.of("gitops.deploy.cache.substituters", httpCache.url()));
        String commit = push("first system");

        ReconcileOutcome waiting = agent.reconcile();

        String toplevel = expectedToplevel(commit);
        assertThat(waiting).isEqualTo(new ReconcileOutcome.Waiting(commit,
                new Wait.Cache(commit, toplevel, START, START.plus(MAX_WAIT), START.plus(Duration.ofMinutes(1)))));
        assertThat(((ReconcileOutcome.Waiting) waiting).cause().describe()).startsWith("waiting for cache since " + START + ": " + toplevel);
        assertThat(agent.rollout().report().waitingFor()).isEqualTo("cache");
        assertThat(agent.rollout().report().waitingSince()).isEqualTo(START);
        assertThat(agent.rollout().report().activatesAt()).isNull();
        assertThat(agent.gauge("gitops_rollout_waiting", "reason", "cache")).isEqualTo(1.0);
        assertThat(agent.gauge("gitops_cache_waiting_since_timestamp_seconds")).isEqualTo(START.getEpochSecond());
        assertThat(agent.status().lastError()).isEmpty();
        assertThat(activations).doesNotExist();
        clock.advance(Duration.ofMinutes(2));
        ReconcileOutcome stillWaiting = agent.reconcile();
        assertThat(((ReconcileOutcome.Waiting) stillWaiting).cause().since()).as("the wait counts from the first miss").contains(START);

        host.publish(commit);
        clock.advance(Duration.ofMinutes(2));

        assertThat(agent.reconcile()).isEqualTo(new ReconcileOutcome.Deployed(commit, "switch"));
        assertThat(Files.readAllLines(activations)).containsExactly("switch " + toplevel);
        assertThat(agent.state().history().get(0).outputTail()).anySatisfy(line -> assertThat(line).contains("from '" + httpCache.url()));
        assertThat(agent.gauge("gitops_rollout_waiting", "reason", "cache")).isZero();
        httpCache.close();
    }

    @Test
    void afterTheDeadlineAMissingClosureIsBuiltOnTheHostWhenThePolicyIsBuild() throws Exception {
        agent = start("build");
        String commit = push("first system");
        assertThat(agent.reconcile()).isInstanceOf(ReconcileOutcome.Waiting.class);

        clock.advance(MAX_WAIT);

        assertThat(agent.reconcile()).isEqualTo(new ReconcileOutcome.Deployed(commit, "switch"));
        String toplevel = expectedToplevel(commit);
        assertThat(agent.state().history().get(0).outputTail()).anySatisfy(line -> assertThat(line).startsWith("building '"));
        assertThat(Files.readAllLines(activations)).containsExactly("switch " + toplevel);
        assertThat(currentSystem.resolve("etc/gitops-agent/revision")).hasContent(commit);
    }

    @Test
    void afterTheDeadlineAMissingClosureIsRefusedWhenThePolicyIsRefuse() throws Exception {
        agent = start("refuse");
        String commit = push("first system");
        assertThat(agent.reconcile()).isInstanceOf(ReconcileOutcome.Waiting.class);

        clock.advance(MAX_WAIT);

        ReconcileOutcome outcome = agent.reconcile();
        String toplevel = expectedToplevel(commit);
        assertThat(outcome).isInstanceOf(ReconcileOutcome.Failed.class);
        assertThat(((ReconcileOutcome.Failed) outcome).reason()).contains(commit, toplevel + " was not in file://" + cache,
                "within PT30M (waiting since " + START + ")", "gitops.deploy.cache.on-missing=refuse");
        assertThat(nix.isValid(toplevel)).as("nothing was built").isFalse();
        assertThat(activations).doesNotExist();
        assertThat(agent.reconcile()).as("not tried again until the branch moves").isEqualTo(new ReconcileOutcome.Unchanged(commit));
    }

    @Test
    void neverUsesAClosureSignedByAKeyItDoesNotTrust() throws Exception {
        agent = start("refuse");
        String commit = push("first system");
        String toplevel = nix.publish(host.installable(commit), cache, nix.signingKey("intruder-1"));

        ReconcileOutcome outcome = agent.reconcile();

        assertThat(outcome).isInstanceOf(ReconcileOutcome.Waiting.class);
        assertThat(((ReconcileOutcome.Waiting) outcome).cause().kind()).isEqualTo("cache");
        assertThat(nix.isValid(toplevel)).as("the untrusted closure was not copied into the store").isFalse();
        clock.advance(MAX_WAIT);
        assertThat(agent.reconcile()).isInstanceOf(ReconcileOutcome.Failed.class);
        assertThat(nix.isValid(toplevel)).isFalse();
        assertThat(activations).doesNotExist();
    }

    @Test
    void dryRunNamesTheCacheCommandsAndRunsNone() throws Exception {
        agent = start("build", Map.of("gitops.deploy.action", "dry-run"));
        String commit = push("first system");
        host.publish(commit);
        Path store = nix.storeDir();
        List<Path> before;
        try (var paths = Files.list(store)) {
            before = paths.toList();
        }

        assertThat(agent.reconcile()).isEqualTo(new ReconcileOutcome.Deployed(commit, "dry-run"));

        List<String> output = agent.state().history().get(0).outputTail();
        assertThat(output).anySatisfy(line -> assertThat(line).startsWith("would run: toplevel=$(" + nix.command() + " ").contains(" eval --raw "));
        assertThat(output).anySatisfy(line -> assertThat(line).contains("--option substituters file://" + cache, "--max-jobs 0"));
        assertThat(output).anySatisfy(line -> assertThat(line).isEqualTo("would run: $toplevel/bin/switch-to-configuration switch"));
        try (var paths = Files.list(store)) {
            assertThat(paths.toList()).as("nothing was evaluated or fetched").containsExactlyInAnyOrderElementsOf(before);
        }
        assertThat(activations).doesNotExist();
    }

    @Test
    void cachesWithoutTrustedKeysStopStartupNamingTheKey() {
        Map<String, String> properties = properties("build");
        properties.remove("gitops.deploy.cache.trusted-public-keys");

        assertThatThrownBy(() -> StartupChecks.cacheMode(TestAgent.configFrom(properties)))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("gitops.deploy.cache.trusted-public-keys");
    }

    private TestAgent start(String onMissing) throws Exception {
        return start(onMissing, Map.of());
    }

    private TestAgent start(String onMissing, Map<String, String> extra) throws Exception {
        Map<String, String> properties = properties(onMissing);
        properties.putAll(extra);
        return TestAgent.start(properties, clock);
    }

    private Map<String, String> properties(String onMissing) {
        Map<String, String> properties = host.agentProperties();
        properties.put("gitops.deploy.cache.max-wait", MAX_WAIT.toString());
        properties.put("gitops.deploy.cache.check-interval", "1m");
        properties.put("gitops.deploy.cache.on-missing", onMissing);
        return properties;
    }

    private String push(String message) {
        return fleet.pushSignedAt(TestKeys.trustedSsh(), message, clock.instant());
    }

    private String expectedToplevel(String commit) {
        return nix.run("eval", "--raw", host.installable(commit) + ".outPath").orThrow().stdout().strip();
    }
}
