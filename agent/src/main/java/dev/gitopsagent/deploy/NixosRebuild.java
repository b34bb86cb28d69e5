package dev.gitopsagent.deploy;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
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

    public List<String> buildCommand(FlakeRef flake) {
        return List.of(executable, "build", "--flake", flake.toString());
    }

    public List<String> activateCommand(Action action, FlakeRef flake) {
        return List.of(executable, action.subcommand(), "--flake", flake.toString());
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
        LOG.infof("running: %s", String.join(" ", command));
        return runner.run(command, workingDirectory, timeout);
    }
}
