package dev.gitopsagent.hooks;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.jboss.logging.Logger;

import dev.gitopsagent.deploy.ProcessRunner;

/**
 * Runs the operator's command for an event ({@code sh -c <command>}) with the event in its
 * environment: {@code GITOPS_EVENT}, {@code GITOPS_HOST}, {@code GITOPS_COMMIT}, {@code GITOPS_ACTION},
 * {@code GITOPS_REASON}. Killed with its process tree after the timeout; its output is logged a
 * bounded line at a time. What it does or how it ends never changes the deployment.
 */
final class HookCommands {

    private static final Logger LOG = Logger.getLogger(HookCommands.class);

    private final Map<Event.Kind, String> commands;
    private final Duration timeout;
    private final ProcessRunner runner;
    private final Path workingDirectory;

    HookCommands(Map<Event.Kind, String> commands, Duration timeout, ProcessRunner runner, Path workingDirectory) {
        this.commands = Map.copyOf(commands);
        this.timeout = timeout;
        this.runner = runner;
        this.workingDirectory = workingDirectory;
    }

    boolean isEmpty() {
        return commands.isEmpty();
    }

    void run(Event event) {
        Optional<String> command = Optional.ofNullable(commands.get(event.kind()));
        if (command.isEmpty()) {
            return;
        }
        Map<String, String> environment = Map.of(
                "GITOPS_EVENT", event.kind().label(),
                "GITOPS_HOST", event.host(),
                "GITOPS_COMMIT", event.commit() == null ? "" : event.commit(),
                "GITOPS_ACTION", event.action() == null ? "" : event.action(),
                "GITOPS_REASON", event.reason() == null ? "" : event.reason());
        try {
            ProcessRunner.Result result = runner.run(List.of("sh", "-c", command.get()), workingDirectory, timeout, environment);
            if (!result.succeeded()) {
                LOG.warnf("%s hook %s", event.kind().label(), result.describeFailure("gitops.hooks.timeout"));
            }
        } catch (IOException e) {
            LOG.warnf("%s hook could not start: %s", event.kind().label(), e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
