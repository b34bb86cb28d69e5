package dev.gitopsagent.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import org.jboss.logging.Logger;

import dev.gitopsagent.FileTrees;
import dev.gitopsagent.config.AgentConfig.RebootActivation;
import dev.gitopsagent.rollout.MaintenanceWindows;
import dev.gitopsagent.rollout.RebootClearance;

/**
 * The reboot policy: a generation that changes what only a boot loads (see {@link BootChange}) is
 * activated with {@code boot} instead of {@code switch} if configured so, and the agent reboots into
 * the boot default only while a reboot window is open and no other wave's rollout slot covers the
 * moment ({@link RebootClearance}). It asks for one reboot per boot default: if the host comes back
 * still booted into something else, it does not reboot again for the same one.
 */
public final class RebootPolicy {

    private static final Logger LOG = Logger.getLogger(RebootPolicy.class);

    /** In the state directory: the boot default a reboot was last asked for. */
    static final String REQUESTED = "reboot-requested";

    /** What a build leaves in the working directory (nixos-rebuild build and cache mode alike). */
    private static final String RESULT = "result";

    /** The settings. {@code command} runs with {@code sh -c}; {@code runsAnything} is false in dry-run. */
    public record Settings(RebootActivation activation, MaintenanceWindows windows, String command, Path bootedSystem, Path profile,
            boolean runsAnything) {
    }

    /**
     * A pending reboot held by another wave: the slot that holds it, and {@code allowedFrom}, the first
     * moment inside a reboot window and clear of other waves' slots (later slots can make it later than
     * the holding slot's end).
     */
    public record Hold(RebootClearance.Held slot, Instant allowedFrom) {
    }

    private final Settings settings;
    private final RebootClearance clearance;
    private final Path stateDir;
    private final ProcessRunner runner;
    private final Duration timeout;
    /** The hold last logged at INFO: a hold repeats at every poll inside an open window, the log says it once. */
    private RebootClearance.Held lastHeld;

    public RebootPolicy(Settings settings, RebootClearance clearance, Path stateDir, ProcessRunner runner, Duration timeout) {
        this.settings = settings;
        this.clearance = clearance;
        this.stateDir = stateDir;
        this.runner = runner;
        this.timeout = timeout;
    }

    /** How to activate the system just built ({@code toplevel}, or else the build's {@code result} link). */
    public Action actionFor(Action configured, Optional<String> toplevel) {
        if (configured != Action.SWITCH || settings.activation() != RebootActivation.BOOT) {
            return configured;
        }
        Path built = toplevel.map(Path::of).orElse(stateDir.resolve(RESULT));
        List<String> changes = BootChange.between(settings.bootedSystem(), built);
        if (changes.isEmpty()) {
            return configured;
        }
        LOG.infof("the new system changes %s: activating it with boot (gitops.deploy.reboot.activation=boot)", String.join(", ", changes));
        return Action.BOOT;
    }

    /** What a reboot into the boot default would change; empty when none is pending. */
    public List<String> pending() {
        return BootChange.between(settings.bootedSystem(), settings.profile());
    }

    public MaintenanceWindows windows() {
        return settings.windows();
    }

    /**
     * While a reboot is pending: the other wave's slot that holds it at the first moment a reboot
     * window allows it (now, if one is open), and when the reboot is allowed. Empty when nothing is
     * pending, no window is configured or no slot holds it.
     */
    public Optional<Hold> hold(Instant now) {
        if (settings.windows().windows().isEmpty() || pending().isEmpty()) {
            return Optional.empty();
        }
        return clearance.at(settings.windows().openFrom(now)) instanceof RebootClearance.Held held
                ? Optional.of(new Hold(held, nextReboot(now))) : Optional.empty();
    }

    /** The first moment from {@code now} on inside a reboot window and clear of other waves' slots. */
    private Instant nextReboot(Instant now) {
        return clearance.nextReboot(now, settings.windows());
    }

    /**
     * When the agent will next try to reboot, if that is after {@code now}: the first moment inside a
     * reboot window and clear of other waves' slots, while a reboot is pending and not asked for yet.
     * The reconcile loop polls no later than this, so a window shorter than the poll interval is not missed.
     */
    public Optional<Instant> nextAttempt(Instant now) throws IOException {
        if (!settings.runsAnything() || settings.windows().windows().isEmpty() || pending().isEmpty() || alreadyRequested()) {
            return Optional.empty();
        }
        return Optional.of(nextReboot(now)).filter(now::isBefore);
    }

    /**
     * Reboots when a reboot is pending, reboot windows are configured, one is open at {@code now}, and
     * no other wave's slot covers {@code now}.
     */
    public void rebootIfDue(Instant now) throws IOException, InterruptedException {
        if (!settings.runsAnything() || settings.windows().windows().isEmpty() || settings.windows().closedUntil(now).isPresent()) {
            return;
        }
        List<String> changes = pending();
        if (changes.isEmpty()) {
            return;
        }
        String target = target();
        if (alreadyRequested()) {
            LOG.debugf("a reboot into %s was already asked for; not asking again", target);
            return;
        }
        if (clearance.at(now) instanceof RebootClearance.Held held) {
            LOG.logf(held.equals(lastHeld) ? Logger.Level.DEBUG : Logger.Level.INFO, "%s; the reboot into %s waits", held.describe(), target);
            lastHeld = held;
            return;
        }
        lastHeld = null;
        // Written first, so a reboot that does not boot into the target cannot turn into a reboot loop.
        FileTrees.writeLineAtomically(stateDir.resolve(REQUESTED), target);
        LOG.warnf("rebooting into %s (%s changed), inside reboot window %s: %s", target, String.join(", ", changes),
                settings.windows().describe(), settings.command());
        ProcessRunner.Result result = runner.run(List.of("sh", "-c", settings.command()), stateDir, timeout);
        if (!result.succeeded()) {
            LOG.errorf("the reboot command %s %s", settings.command(), result.describeFailure());
        }
    }

    private String target() throws IOException {
        return settings.profile().toRealPath().toString();
    }

    /** Whether a reboot into the current boot default was asked for already. */
    private boolean alreadyRequested() throws IOException {
        Path requested = stateDir.resolve(REQUESTED);
        return Files.isRegularFile(requested) && Files.readString(requested).strip().equals(target());
    }
}
