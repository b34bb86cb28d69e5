package dev.gitopsagent.deploy;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.jboss.logging.Logger;

import dev.gitopsagent.config.AgentConfig;

/**
 * Decides whether a freshly activated system is healthy: pull-mode "magic rollback". Every check
 * is retried until the deadline, so a service that needs a few seconds to come up is not punished;
 * what still fails then is reported by name.
 */
public final class HealthGate {

    private static final Logger LOG = Logger.getLogger(HealthGate.class);

    /** One named check; returns a problem description, or empty when healthy. */
    public interface Check {
        String name();

        Optional<String> problem() throws IOException, InterruptedException;
    }

    /** Probes the Git remote from the new system. */
    public interface RemoteProbe {
        void reach() throws IOException;
    }

    private final List<Check> checks;
    private final Duration deadline;
    private final Duration retryInterval;
    private final Clock clock;

    public HealthGate(List<Check> checks, Duration deadline, Duration retryInterval, Clock clock) {
        this.checks = List.copyOf(checks);
        this.deadline = deadline;
        this.retryInterval = retryInterval;
        this.clock = clock;
    }

    public static HealthGate from(AgentConfig.Health config, RemoteProbe remote, ProcessRunner runner, Path workingDirectory,
            Clock clock) {
        List<Check> checks = new ArrayList<>();
        if (config.enabled()) {
            Duration commandTimeout = config.retryInterval().plusSeconds(10);
            if (config.remoteReachable()) {
                checks.add(check("git remote reachable", () -> {
                    try {
                        remote.reach();
                        return Optional.empty();
                    } catch (IOException e) {
                        return Optional.of(describe(e));
                    }
                }));
            }
            if (config.noFailedUnits()) {
                checks.add(commandCheck("no failed units", List.of(config.systemctl(), "--failed", "--no-legend", "--plain"), runner,
                        workingDirectory, commandTimeout, true));
            }
            for (String unit : config.units().orElse(List.of())) {
                checks.add(commandCheck("unit " + unit + " active", List.of(config.systemctl(), "is-active", "--quiet", unit), runner,
                        workingDirectory, commandTimeout, false));
            }
            for (String url : config.httpProbes().orElse(List.of())) {
                checks.add(httpCheck(url, commandTimeout));
            }
            for (String command : config.commands().orElse(List.of())) {
                checks.add(commandCheck("command `" + command + "`", List.of("sh", "-c", command), runner, workingDirectory,
                        commandTimeout, false));
            }
        }
        return new HealthGate(checks, config.deadline(), config.retryInterval(), clock);
    }

    public boolean isEmpty() {
        return checks.isEmpty();
    }

    /** Empty when every check passed before the deadline; otherwise what still failed. */
    public Optional<String> verdict() throws InterruptedException {
        Instant giveUp = clock.instant().plus(deadline);
        List<Check> pending = new ArrayList<>(checks);
        List<String> problems = new ArrayList<>();
        while (true) {
            problems.clear();
            List<Check> stillFailing = new ArrayList<>();
            for (Check check : pending) {
                Optional<String> problem = run(check);
                if (problem.isPresent()) {
                    stillFailing.add(check);
                    problems.add(check.name() + ": " + problem.get());
                }
            }
            if (stillFailing.isEmpty()) {
                return Optional.empty();
            }
            pending = stillFailing;
            if (!clock.instant().plus(retryInterval).isBefore(giveUp)) {
                return Optional.of(String.join("; ", problems));
            }
            LOG.infof("health checks not passing yet (%s); retrying", String.join("; ", problems));
            Thread.sleep(retryInterval.toMillis());
        }
    }

    private static Optional<String> run(Check check) throws InterruptedException {
        try {
            return check.problem();
        } catch (IOException e) {
            return Optional.of(describe(e));
        }
    }

    private interface Probe {
        Optional<String> problem() throws IOException, InterruptedException;
    }

    private static Check check(String name, Probe probe) {
        return new Check() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public Optional<String> problem() throws IOException, InterruptedException {
                return probe.problem();
            }
        };
    }

    /** A command that must exit 0; with {@code outputMeansFailure}, it must also print nothing. */
    private static Check commandCheck(String name, List<String> command, ProcessRunner runner, Path workingDirectory, Duration timeout,
            boolean outputMeansFailure) {
        return check(name, () -> {
            ProcessRunner.Result result = runner.run(command, workingDirectory, timeout);
            if (!result.succeeded()) {
                return Optional.of(result.describeFailure("gitops.health.retry-interval + 10s") + lastLines(result));
            }
            if (outputMeansFailure && !result.outputTail().isEmpty()) {
                return Optional.of(String.join(", ", result.outputTail()));
            }
            return Optional.empty();
        });
    }

    private static Check httpCheck(String url, Duration timeout) {
        HttpClient client = HttpClient.newBuilder().connectTimeout(timeout).build();
        return check("http " + url, () -> {
            HttpRequest request = HttpRequest.newBuilder(URI.create(url)).timeout(timeout).GET().build();
            int code = client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
            return code >= 200 && code < 300 ? Optional.empty() : Optional.of("answered " + code);
        });
    }

    /** Some I/O failures (a refused connection, say) carry no message of their own. */
    private static String describe(IOException e) {
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }

    private static String lastLines(ProcessRunner.Result result) {
        List<String> tail = result.outputTail();
        return tail.isEmpty() ? "" : ": " + String.join(" | ", tail.subList(Math.max(0, tail.size() - 3), tail.size()));
    }
}
