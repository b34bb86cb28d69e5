package dev.gitopsagent.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.gitopsagent.TestAgent;
import dev.gitopsagent.config.AgentConfig.ForgeType;
import dev.gitopsagent.config.InvalidConfigException;
import dev.gitopsagent.config.StartupChecks;
import dev.gitopsagent.rollout.Wait;
import dev.gitopsagent.testing.Fleet;
import dev.gitopsagent.testing.ForgeServer;
import dev.gitopsagent.testing.NixosRebuildDouble;
import dev.gitopsagent.testing.SampleFlake;
import dev.gitopsagent.testing.SettableClock;
import dev.gitopsagent.testing.TestKeys;

/**
 * Two hosts and one forge on loopback: {@code canary} in wave 0 posts its result as a commit status
 * (through its own reconcile loop and forge reporter, as in production), and {@code web1} in wave 1,
 * with {@code gitops.rollout.forge-gate.min-successes=1}, activates the commit only once that status
 * says success. The clock is set by hand to pass the soak time; git, signatures and HTTP are real.
 */
class ForgeGateRolloutTest {

    private static final Instant COMMITTED = Instant.parse("2030-01-07T10:00:00Z");
    private static final Duration SOAK = Duration.ofHours(1);
    private static final String TOKEN = "forge-s3cret";
    private static final String CANARY = "canary";

    @TempDir
    Path dir;

    Fleet fleet;
    ForgeServer forge;
    SettableClock clock;
    TestAgent canary;
    TestAgent web1;

    @BeforeEach
    void startTwoHostsOfTwoWaves() throws Exception {
        fleet = Fleet.create(dir.resolve("fleet"));
        SampleFlake.writeHost(fleet.work(), CANARY);
        forge = ForgeServer.start(ForgeType.GITHUB, "", TOKEN);
        clock = new SettableClock(COMMITTED);
        canary = TestAgent.start(canaryProperties(), clock);
        Map<String, String> web1Properties = properties(fleet.agentProperties(), 1);
        web1Properties.put("gitops.rollout.forge-gate.min-successes", "1");
        web1 = TestAgent.start(web1Properties, clock);
    }

    @AfterEach
    void stop() throws Exception {
        canary.close();
        web1.close();
        forge.close();
        fleet.close();
    }

    @Test
    void waveOneActivatesOnlyOnceTheCanaryReportedSuccessOnTheForge() throws Exception {
        String commit = fleet.pushSignedAt(TestKeys.trustedSsh(), "first configuration", COMMITTED);
        clock.set(COMMITTED.plus(SOAK));

        ReconcileOutcome held = web1.reconcile();

        assertThat(held).isEqualTo(new ReconcileOutcome.Waiting(commit,
                new Wait.Forge(commit, 1, "0 of 1 success statuses from earlier waves", clock.instant().plus(Duration.ofMinutes(1)))));
        assertThat(web1.rollout().report().waitingFor()).isEqualTo("forge");
        assertThat(web1.gauge("gitops_rollout_waiting", "reason", "forge")).isEqualTo(1.0);
        assertThat(canary.reconcileOnLoop()).isEqualTo(new ReconcileOutcome.Deployed(commit, "switch"));
        awaitStatus(commit, "gitops-agent/" + CANARY);
        clock.advance(Duration.ofMinutes(1));

        assertThat(web1.reconcile()).isEqualTo(new ReconcileOutcome.Deployed(commit, "switch"));
        assertThat(web1.gauge("gitops_rollout_waiting", "reason", "forge")).isZero();
        assertThat(forge.requests()).as("the token went with every request, to the configured forge")
                .allSatisfy(request -> assertThat(request.authorization()).isEqualTo("Bearer " + TOKEN));
    }

    @Test
    void aCanaryThatFailedHoldsWaveOneWithItsReason() throws Exception {
        SampleFlake.failActivation(fleet.work(), CANARY);
        String commit = fleet.pushSignedAt(TestKeys.trustedSsh(), "breaks the canary", COMMITTED);
        assertThat(canary.reconcileOnLoop()).isInstanceOf(ReconcileOutcome.Failed.class);
        awaitStatus(commit, "gitops-agent/" + CANARY);
        forge.post(commit, "gitops-agent/other-canary", "success", "wave 0: deployed (switch)");
        clock.set(COMMITTED.plus(SOAK));

        ReconcileOutcome held = web1.reconcile();

        assertThat(held).isInstanceOf(ReconcileOutcome.Waiting.class);
        assertThat(((ReconcileOutcome.Waiting) held).cause().describe())
                .startsWith("wave 1 holds " + commit + " for the forge gate: gitops-agent/canary reports failure (wave 0: deployment of " + commit);
        assertThat(web1.rollout().report().waitReason()).contains("gitops-agent/canary reports failure");
        assertThat(fleet.host().invocations()).as("web1 built nothing").isEmpty();
    }

    @Test
    void theGateNeedsAForgeToReadFrom() {
        Map<String, String> properties = fleet.agentProperties();
        properties.put("gitops.rollout.forge-gate.min-successes", "1");

        assertThatThrownBy(() -> StartupChecks.forgeGate(TestAgent.configFrom(properties)))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("gitops.rollout.forge-gate.min-successes");
    }

    private Map<String, String> canaryProperties() {
        NixosRebuildDouble host = NixosRebuildDouble.install(dir.resolve("canary-host"));
        Map<String, String> properties = properties(fleet.agentProperties(), 0);
        properties.put("gitops.host", CANARY);
        properties.put("gitops.state-dir", dir.resolve("canary-state").toString());
        properties.put("gitops.trust.high-water-mark", dir.resolve("canary-high-water/deployed").toString());
        properties.put("gitops.deploy.command", host.executable().toString());
        properties.put("gitops.deploy.system-profile", host.systemProfile().toString());
        properties.put("gitops.deploy.current-system", host.currentSystem().toString());
        return properties;
    }

    private Map<String, String> properties(Map<String, String> properties, int wave) {
        properties.put("gitops.rollout.wave", Integer.toString(wave));
        properties.put("gitops.rollout.soak", SOAK.toString());
        properties.put("gitops.forge.type", "github");
        properties.put("gitops.forge.api-url", forge.apiUrl());
        properties.put("gitops.forge.repository", "example/fleet");
        properties.put("gitops.forge.token-file", fleet.writeSecret("forge-token", TOKEN).toString());
        return properties;
    }

    /** The reporter posts from its own thread. */
    private void awaitStatus(String commit, String context) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!forge.hasStatus(commit, context)) {
            assertThat(System.nanoTime()).as("a status from %s within 30 s", context).isLessThan(deadline);
            Thread.sleep(50);
        }
    }
}
