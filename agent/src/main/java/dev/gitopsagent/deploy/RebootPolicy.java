package dev.gitopsagent.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import org.jboss.logging.Logger;

import dev.gitopsagent.config.AgentConfig.RebootActivation;
import dev.gitopsagent.rollout.MaintenanceWindows;

/**
 * The reboot policy: a generation that changes what only a boot loads (see {@link BootChange}) is
 * activated with {@code boot} instead of {@code switch} if configured so, and the agent reboots into
 * the boot default only while a reboot window is open. It asks for one reboot per boot default: if
 * the host comes back still booted into something else, it does not reboot again for the same one.
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

    private final Settings settings;
    private final Path stateDir;
    private final ProcessRunner runner;
    private final Duration timeout;

    public RebootPolicy(Settings settings, Path stateDir, ProcessRunner runner, Duration timeout) {
        this.settings = settings;
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

    /** Reboots when a reboot is pending, reboot windows are configured and one is open at {@code now}. */
    public void rebootIfDue(Instant now) throws IOException, InterruptedException {
        if (!settings.runsAnything() || settings.windows().windows().isEmpty() || settings.windows().closedUntil(now).isPresent()) {
            return;
        }
        List<String> changes = pending();
        if (changes.isEmpty()) {
            return;
        }
        String target = settings.profile().toRealPath().toString();
        Path requested = stateDir.resolve(REQUESTED);
        if (Files.isRegularFile(requested) && Files.readString(requested).strip().equals(target)) {
            LOG.debugf("a reboot into %s was already asked for; not asking again", target);
            return;
        }
        // Written first, so a reboot that does not boot into the target cannot turn into a reboot loop.
        Path partial = stateDir.resolve(REQUESTED + ".partial");
        Files.writeString(partial, target + "\n");
        Files.move(partial, requested, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        LOG.warnf("rebooting into %s (%s changed), inside reboot window %s: %s", target, String.join(", ", changes),
                settings.windows().describe(), settings.command());
        ProcessRunner.Result result = runner.run(List.of("sh", "-c", settings.command()), stateDir, timeout);
        if (!result.succeeded()) {
            LOG.errorf("the reboot command %s %s", settings.command(), result.describeFailure());
        }
    }
}
