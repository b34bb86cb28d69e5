package dev.gitopsagent.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.gitopsagent.TestAgent;
import dev.gitopsagent.deploy.RebootPolicy;
import dev.gitopsagent.status.RolloutStatus;
import dev.gitopsagent.testing.CacheModeHost;
import dev.gitopsagent.testing.Fleet;
import dev.gitopsagent.testing.NixTestSystem;
import dev.gitopsagent.testing.SettableClock;
import dev.gitopsagent.testing.TestKeys;

/**
 * {@code gitops.deploy.reboot.*} with real Nix toplevels (cache mode on a private store, as in
 * {@link CacheModeTest}): a new generation whose kernel differs from the booted system's is
 * activated with {@code boot} when so configured, reported as {@code reboot pending}, and rebooted
 * into once, only inside a reboot window. The reboot command is a script that records its runs; the
 * clock is set by hand to reach the window.
 */
class RebootPolicyTest {

    /** A Monday; the reboot window is Sunday night. */
    private static final Instant MONDAY = Instant.parse("2030-01-07T10:00:00Z");
    private static final Instant SUNDAY_NIGHT = Instant.parse("2030-01-13T03:00:00Z");
    private static final String REBOOT_WINDOW = "Sun 03:00 UTC for 1h";
    private static final String SUNDAY_MORNING = "Sun 03:00 UTC for 4h";

    @TempDir
    Path dir;

    Fleet fleet;
    CacheModeHost host;
    Path activations;
    Path profile;
    Path currentSystem;
    Path bootedSystem;
    Path reboots;
    SettableClock clock;
    TestAgent agent;

    @BeforeEach
    void setUp() throws Exception {
        fleet = Fleet.create(dir.resolve("fleet"));
        host = CacheModeHost.create(dir, fleet);
        activations = host.activations();
        profile = host.profile();
        currentSystem = host.currentSystem();
        bootedSystem = dir.resolve("host/run/booted-system");
        reboots = dir.resolve("host/reboots");
        clock = new SettableClock(MONDAY);
    }

    @AfterEach
    void tearDown() throws Exception {
        agent.close();
        fleet.close();
    }

    @Test
    void aNewKernelIsActivatedWithBootAndRebootedIntoOnceInsideTheRebootWindow() throws Exception {
        agent = start(Map.of("gitops.deploy.reboot.activation", "boot", "gitops.deploy.reboot.windows", REBOOT_WINDOW));
        bootInto(deploy("first system").toplevel());
        Deployed userland = deploy("userland change", () -> fleet.work().writeFile("hosts/web1/configuration.nix", "{ }\n"));
        assertThat(userland.outcome()).isEqualTo(new ReconcileOutcome.Deployed(userland.commit(), "switch"));
        assertThat(agent.rollout().report().rebootPending()).isEmpty();

        Deployed kernel = deploy("new kernel", () -> NixTestSystem.kernel(fleet.work(), Fleet.HOST, "6.12"));

        assertThat(kernel.outcome()).isEqualTo(new ReconcileOutcome.Deployed(kernel.commit(), "boot"));
        assertThat(Files.readAllLines(activations)).last().isEqualTo("boot " + kernel.toplevel());
        assertThat(currentSystem.toRealPath()).as("the running system stays").isEqualTo(Path.of(userland.toplevel()));
        assertThat(profile.toRealPath()).as("the boot default is the new system").isEqualTo(Path.of(kernel.toplevel()));
        assertThat(agent.rollout().report().rebootPending()).containsExactly("kernel");
        assertThat(agent.rollout().report().nextRebootWindow()).isEqualTo(SUNDAY_NIGHT);
        assertThat(agent.gauge("gitops_reboot_pending")).isEqualTo(1.0);
        assertThat(reboots).as("no reboot outside the window").doesNotExist();

        clock.set(SUNDAY_NIGHT.plusSeconds(600));
        assertThat(agent.reconcileOnLoop()).isEqualTo(new ReconcileOutcome.Unchanged(kernel.commit()));
        assertThat(agent.reconcileOnLoop()).isEqualTo(new ReconcileOutcome.Unchanged(kernel.commit()));

        assertThat(Files.readAllLines(reboots)).as("one reboot per boot default").containsExactly("reboot");
        bootInto(kernel.toplevel());
        assertThat(agent.rollout().report().rebootPending()).isEmpty();
        assertThat(agent.gauge("gitops_reboot_pending")).isZero();
    }

    @Test
    void withSwitchANewKernelIsActivatedNowAndWithoutRebootWindowsNeverRebooted() throws Exception {
        agent = start(Map.of());
        bootInto(deploy("first system").toplevel());

        Deployed kernel = deploy("new kernel", () -> NixTestSystem.kernel(fleet.work(), Fleet.HOST, "6.12"));
        clock.set(SUNDAY_NIGHT.plusSeconds(600));
        agent.reconcileOnLoop();

        assertThat(kernel.outcome()).isEqualTo(new ReconcileOutcome.Deployed(kernel.commit(), "switch"));
        assertThat(currentSystem.toRealPath()).isEqualTo(Path.of(kernel.toplevel()));
        assertThat(agent.rollout().report().rebootPending()).containsExactly("kernel");
        assertThat(agent.rollout().report().rebootWindows()).isEmpty();
        assertThat(reboots).doesNotExist();
    }

    @Test
    void aRebootWindowShorterThanThePollIntervalIsNotMissed() throws Exception {
        Instant windowOpens = MONDAY.plus(Duration.ofMinutes(20));
        agent = start(Map.of("gitops.poll.interval", "1h", "gitops.poll.max-backoff", "1h", "gitops.deploy.reboot.windows",
                "Mon 10:20 UTC for 10min"));
        bootInto(deploy("first system").toplevel());
        deploy("new kernel", () -> NixTestSystem.kernel(fleet.work(), Fleet.HOST, "6.12"));
        assertThat(agent.rollout().report().rebootPending()).containsExactly("kernel");

        assertThat(agent.status().nextPoll()).as("the next poll is brought forward to the window").hasValue(windowOpens);
        clock.set(windowOpens.minusSeconds(1));
        agent.loop().tick();
        agent.awaitQueuedReconcile();
        assertThat(reboots).doesNotExist();

        clock.set(windowOpens);
        agent.loop().tick();
        agent.awaitQueuedReconcile();

        assertThat(Files.readAllLines(reboots)).containsExactly("reboot");
    }

    @Test
    void aRebootWaitsUntilNoOtherWaveHasItsSlot() throws Exception {
        // Wave 0 of 3, an hour apart: the kernel committed at 02:00 is wave 1's from 03:00 to 04:00 and wave 2's to 05:00.
        Instant committed = Instant.parse("2030-01-13T02:00:00Z");
        clock.set(committed.minus(Duration.ofHours(2)));
        agent = start(Map.of("gitops.rollout.wave", "0", "gitops.rollout.waves", "3", "gitops.deploy.reboot.windows", SUNDAY_MORNING));
        bootInto(deploy("first system").toplevel());
        clock.set(committed);
        Deployed kernel = deploy("new kernel", () -> NixTestSystem.kernel(fleet.work(), Fleet.HOST, "6.12"));
        assertThat(kernel.outcome()).isEqualTo(new ReconcileOutcome.Deployed(kernel.commit(), "switch"));

        RolloutStatus.Report report = agent.rollout().report();
        assertThat(report.nextRebootWindow()).isEqualTo(SUNDAY_NIGHT);
        assertThat(report.rebootWaitsFor()).isEqualTo("reboot waits for wave 1's slot of " + kernel.commit()
                + " to end at 2030-01-13T04:00:00Z (and for other waves' slots after it, until 2030-01-13T05:00:00Z)");
        assertThat(report.rebootBlockedUntil()).isEqualTo(Instant.parse("2030-01-13T05:00:00Z"));
        assertThat(agent.gauge("gitops_reboot_blocked_until_timestamp_seconds")).isEqualTo(Instant.parse("2030-01-13T05:00:00Z").getEpochSecond());

        List<String> logged = new ArrayList<>();
        Handler infoLog = new Handler() {
            @Override
            public void publish(LogRecord record) {
                // The log manager hands handlers the formatted message.
                if (record.getLevel().intValue() >= Level.INFO.intValue() && record.getMessage().startsWith("reboot waits for")) {
                    logged.add(record.getMessage());
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger policyLog = Logger.getLogger(RebootPolicy.class.getName());
        policyLog.addHandler(infoLog);
        try {
            clock.set(SUNDAY_NIGHT.plus(Duration.ofMinutes(10)));
            agent.reconcileOnLoop();
            clock.set(SUNDAY_NIGHT.plus(Duration.ofMinutes(30)));
            agent.reconcileOnLoop();
            clock.set(Instant.parse("2030-01-13T04:59:59Z"));
            agent.reconcileOnLoop();
        } finally {
            policyLog.removeHandler(infoLog);
        }
        assertThat(reboots).as("no reboot during wave 1's or wave 2's slot").doesNotExist();
        assertThat(logged).as("each hold logged at INFO once, not at every poll").hasSize(2);
        assertThat(logged.get(0)).startsWith("reboot waits for wave 1's slot");
        assertThat(logged.get(1)).startsWith("reboot waits for wave 2's slot");

        clock.set(Instant.parse("2030-01-13T05:00:00Z"));
        agent.reconcileOnLoop();
        assertThat(Files.readAllLines(reboots)).containsExactly("reboot");
        assertThat(agent.gauge("gitops_reboot_blocked_until_timestamp_seconds")).as("nothing holds it any more").isNaN();
    }

    @Test
    void aNewerCommitWaitingForItsWaveHoldsTheRebootDuringItsEarlierWavesSlot() throws Exception {
        // Wave 1 of 2, an hour apart. The kernel committed at 01:00 is activated here at 02:00; its slots end at 03:00.
        Instant kernelCommitted = Instant.parse("2030-01-13T01:00:00Z");
        clock.set(kernelCommitted.minus(Duration.ofHours(2)));
        agent = start(Map.of("gitops.rollout.wave", "1", "gitops.rollout.waves", "2", "gitops.deploy.reboot.windows", SUNDAY_MORNING));
        String first = push("first system", () -> { }).toplevel();
        clock.advance(Duration.ofHours(1));
        agent.reconcileOnLoop();
        bootInto(first);
        clock.set(kernelCommitted);
        Deployed pushed = push("new kernel", () -> NixTestSystem.kernel(fleet.work(), Fleet.HOST, "6.12"));
        clock.advance(Duration.ofHours(1));
        assertThat(agent.reconcileOnLoop()).isEqualTo(new ReconcileOutcome.Deployed(pushed.commit(), "switch"));

        // At 03:00 the kernel's rollout is over, but a newer commit arrives: wave 0 has it until 04:00.
        clock.set(SUNDAY_NIGHT);
        Deployed newer = push("userland change", () -> fleet.work().writeFile("hosts/web1/configuration.nix", "{ }\n"));
        assertThat(agent.reconcileOnLoop()).isInstanceOf(ReconcileOutcome.Waiting.class);

        assertThat(reboots).as("no reboot during wave 0's slot of the newer commit").doesNotExist();
        assertThat(agent.rollout().report().rebootWaitsFor()).isEqualTo("reboot waits for wave 0's slot of " + newer.commit()
                + " to end at 2030-01-13T04:00:00Z");

        clock.set(Instant.parse("2030-01-13T04:00:00Z"));
        assertThat(agent.reconcileOnLoop()).isEqualTo(new ReconcileOutcome.Deployed(newer.commit(), "switch"));
        assertThat(Files.readAllLines(reboots)).as("in this wave's own slot").containsExactly("reboot");
    }

    /** One pushed, CI-built commit and what the agent's own loop did with it. */
    private record Deployed(String commit, String toplevel, ReconcileOutcome outcome) {
    }

    private Deployed deploy(String message) throws Exception {
        return deploy(message, () -> { });
    }

    private Deployed deploy(String message, Runnable change) throws Exception {
        Deployed pushed = push(message, change);
        return new Deployed(pushed.commit(), pushed.toplevel(), agent.reconcileOnLoop());
    }

    /** Pushed and built by CI, dated now; not reconciled yet. */
    private Deployed push(String message, Runnable change) {
        change.run();
        String commit = fleet.pushSignedAt(TestKeys.trustedSsh(), message, clock.instant());
        return new Deployed(commit, host.publish(commit), null);
    }

    /** What the boot loader would do: /run/booted-system is the system the host started. */
    private void bootInto(String toplevel) throws Exception {
        Files.deleteIfExists(bootedSystem);
        Files.createSymbolicLink(bootedSystem, Path.of(toplevel));
    }

    private TestAgent start(Map<String, String> reboot) throws Exception {
        Map<String, String> properties = host.agentProperties();
        properties.put("gitops.deploy.reboot.booted-system", bootedSystem.toString());
        properties.put("gitops.deploy.reboot.command", "echo reboot >>" + reboots);
        properties.putAll(reboot);
        return TestAgent.start(properties, clock);
    }
}
