package dev.gitopsagent.deploy;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.jboss.logging.Logger;

/**
 * The nixos-rebuild command line. Building first and activating second means a configuration
 * that does not evaluate or build never touches the running system.
 */
public final class NixosRebuild {

    private static final Logger LOG = Logger.getLogger(NixosRebuild.class);

    private final String executable;
    private final Duration timeout;
    private final Path workingDirectory;
    private final ProcessRunner runner;

    public NixosRebuild(String executable, Duration timeout, Path workingDirectory, ProcessRunner runner) {
        this.executable = executable;
        this.timeout = timeout;
        this.workingDirectory = workingDirectory;
        this.runner = runner;
    }

    /**
     * Inputs come only from the signed {@code flake.lock}: without these flags Nix would resolve an
     * input the lock file does not pin (from the registry or the network) and write the result back.
     */
    private static final List<String> LOCKED = List.of("--no-update-lock-file", "--no-write-lock-file");

    public List<String> buildCommand(FlakeRef flake) {
        return flakeCommand("build", flake);
    }

    public List<String> activateCommand(Action action, FlakeRef flake) {
        return flakeCommand(action.subcommand(), flake);
    }

    private List<String> flakeCommand(String subcommand, FlakeRef flake) {
        List<String> command = new ArrayList<>(List.of(executable, subcommand, "--flake", flake.toString()));
        command.addAll(LOCKED);
        return List.copyOf(command);
    }

    public List<String> rollbackCommand() {
        return List.of(executable, "switch", "--rollback");
    }

    public ProcessRunner.Result build(FlakeRef flake) throws IOException, InterruptedException {
        return run(buildCommand(flake));
    }

    public ProcessRunner.Result activate(Action action, FlakeRef flake) throws IOException, InterruptedException {
        return run(activateCommand(action, flake));
    }

    /** Back to the previous system generation. */
    public ProcessRunner.Result rollback() throws IOException, InterruptedException {
        return run(rollbackCommand());
    }

    private ProcessRunner.Result run(List<String> command) throws IOException, InterruptedException {
        LOG.infof("running: %s", ShellLine.of(command));
        return runner.run(command, workingDirectory, timeout);
    }
}
