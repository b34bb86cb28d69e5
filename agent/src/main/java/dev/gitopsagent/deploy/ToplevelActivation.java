package dev.gitopsagent.deploy;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.jboss.logging.Logger;

/**
 * Activates a toplevel that is already in the store, by path, as nixos-rebuild does after its build:
 * for {@code switch} and {@code boot} the system profile gets a new generation pointing at it, then
 * the toplevel's own {@code switch-to-configuration} runs. {@code nixos-rebuild --flake} is not used
 * here because it evaluates and builds again, and cache mode must activate exactly the path it realised.
 * Like nixos-rebuild, {@code switch-to-configuration} runs in a transient unit through
 * {@code systemd-run}: outside the agent's sandbox (it writes {@code /etc}), and not stopped when
 * the activation restarts the agent's own unit. Where systemd-run does not work (no systemd as
 * PID 1) it runs directly, as nixos-rebuild falls back to.
 */
public final class ToplevelActivation {

    private static final Logger LOG = Logger.getLogger(ToplevelActivation.class);

    /** nixos-rebuild's own invocation (NixOS 24.05 and later). */
    private static final List<String> SYSTEMD_RUN = List.of("systemd-run", "-E", "LOCALE_ARCHIVE", "-E", "NIXOS_INSTALL_BOOTLOADER",
            "--collect", "--no-ask-password", "--pipe", "--quiet", "--same-dir", "--service-type=exec",
            "--unit=nixos-rebuild-switch-to-configuration", "--wait");

    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(30);

    private final String nix;
    private final Path profile;
    private final Duration timeout;
    private final Path workingDirectory;
    private final ProcessRunner runner;

    public ToplevelActivation(String nix, Path profile, Duration timeout, Path workingDirectory, ProcessRunner runner) {
        this.nix = nix;
        this.profile = profile;
        this.timeout = timeout;
        this.workingDirectory = workingDirectory;
        this.runner = runner;
    }

    /** The commands, in order; a test activation leaves the profile (and so the boot default) alone. */
    public List<List<String>> commands(Action action, String toplevel) {
        List<List<String>> commands = new ArrayList<>();
        if (action != Action.TEST) {
            // --max-jobs 0: the path is already realised; if it were not, nothing may be built here.
            commands.add(List.of(nix, "--extra-experimental-features", "nix-command", "build", "--no-link", "--max-jobs", "0",
                    "--profile", profile.toString(), toplevel));
        }
        commands.add(List.of(toplevel + "/bin/switch-to-configuration", action.subcommand()));
        return commands;
    }

    /** The commands as run: switch-to-configuration in a transient unit when systemd-run works here. */
    private List<List<String>> commandsToRun(Action action, String toplevel) throws InterruptedException {
        List<List<String>> commands = new ArrayList<>(commands(action, toplevel));
        if (systemdRunWorks()) {
            List<String> switchCommand = new ArrayList<>(SYSTEMD_RUN);
            switchCommand.addAll(commands.remove(commands.size() - 1));
            commands.add(List.copyOf(switchCommand));
        }
        return commands;
    }

    private boolean systemdRunWorks() throws InterruptedException {
        List<String> probe = new ArrayList<>(SYSTEMD_RUN);
        probe.add("true");
        try {
            return runner.run(probe, workingDirectory, PROBE_TIMEOUT).succeeded();
        } catch (IOException e) {
            LOG.debugf("systemd-run is not available (%s)", e.getMessage());
            return false;
        }
    }

    /** Runs the commands in order and stops at the first that fails; returns the last one run, its output preceded by the earlier ones'. */
    public ProcessRunner.Result activate(Action action, String toplevel) throws IOException, InterruptedException {
        List<String> output = new ArrayList<>();
        ProcessRunner.Result result = null;
        for (List<String> command : commandsToRun(action, toplevel)) {
            LOG.infof("running: %s", ShellLine.of(command));
            result = runner.run(command, workingDirectory, timeout);
            output.addAll(result.outputTail());
            if (!result.succeeded()) {
                break;
            }
        }
        return new ProcessRunner.Result(result.command(), result.exitCode(), result.timedOut(), result.duration(), List.copyOf(output));
    }
}
