package dev.gitopsagent.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The packaged agent running as a real process, configured through {@code -D} properties, with its
 * console output kept in a file: the native executable when failsafe names one ({@code agent.runner},
 * set by the {@code native} profile), otherwise {@code quarkus-run.jar} ({@code agent.jar}) on this JVM.
 */
public final class AgentProcess implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final Process process;
    private final Path log;
    private final int port;

    private AgentProcess(Process process, Path log, int port) {
        this.process = process;
        this.log = log;
        this.port = port;
    }

    public static Path jar() {
        String jar = System.getProperty("agent.jar");
        if (jar == null || !Files.isRegularFile(Path.of(jar))) {
            throw new IllegalStateException("the packaged agent is missing (agent.jar=" + jar + "); run through 'mvn verify'");
        }
        return Path.of(jar);
    }

    /** The native executable under test, if this run tests one. */
    public static Optional<Path> nativeRunner() {
        String runner = System.getProperty("agent.runner");
        if (runner == null || runner.isEmpty()) {
            return Optional.empty();
        }
        if (!Files.isExecutable(Path.of(runner))) {
            throw new IllegalStateException("the native agent is missing (agent.runner=" + runner + "); run through 'mvn -Pnative verify'");
        }
        return Optional.of(Path.of(runner));
    }

    /** The command that runs the packaged agent with {@code properties} as system properties and {@code args}. */
    public static List<String> command(Map<String, String> properties, String... args) {
        List<String> command = new ArrayList<>();
        Optional<Path> runner = nativeRunner();
        command.add(runner.map(Path::toString).orElseGet(AgentProcess::javaExecutable));
        command.add("-Xmx128m");
        properties.forEach((key, value) -> command.add("-D" + key + "=" + value));
        if (runner.isEmpty()) {
            command.add("-jar");
            command.add(jar().toString());
        }
        command.addAll(List.of(args));
        return command;
    }

    /** Starts the agent with {@code properties} as system properties and returns without waiting. */
    public static AgentProcess launch(Path log, Map<String, String> properties, String... args) {
        int port = properties.containsKey("gitops.http.port") ? Integer.parseInt(properties.get("gitops.http.port")) : freePort();
        Map<String, String> withPort = new LinkedHashMap<>(properties);
        withPort.put("gitops.http.port", Integer.toString(port));
        List<String> command = command(withPort, args);
        try {
            Files.createDirectories(log.getParent());
            Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            return new AgentProcess(process, log, port);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts the agent and waits until its HTTP API answers. */
    public static AgentProcess start(Path log, Map<String, String> properties, String... args) {
        AgentProcess agent = launch(log, properties, args);
        agent.awaitHttp(Duration.ofSeconds(120));
        return agent;
    }

    public URI url(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    public int port() {
        return port;
    }

    public HttpResponse<String> get(String path) {
        return send(HttpRequest.newBuilder(url(path)).GET().build());
    }

    public HttpResponse<String> send(HttpRequest request) {
        try {
            return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The agent's {@code GET /status}, parsed. */
    public JsonNode status() {
        String body = get("/status").body();
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new IllegalStateException("/status is not JSON: " + body, e);
        }
    }

    /**
     * Polls {@code GET /status} until {@code condition} holds and returns that status; fails after 90 s with the
     * last one (a bound for a loaded machine, not a performance claim).
     */
    public JsonNode awaitStatus(Predicate<JsonNode> condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        JsonNode last = status();
        while (!condition.test(last)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("status never matched within 90 s; last: " + last + "\nagent output:\n" + output());
            }
            sleep(100);
            last = status();
        }
        return last;
    }

    public String output() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Waits for the process to end by itself, e.g. after a startup failure; returns its exit code. */
    public int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("agent still running after " + timeout + ":\n" + output());
        }
        return process.exitValue();
    }

    private void awaitHttp(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("agent exited with " + process.exitValue() + ":\n" + output());
            }
            try {
                HTTP.send(HttpRequest.newBuilder(url("/q/health/live")).timeout(Duration.ofSeconds(2)).build(),
                        HttpResponse.BodyHandlers.discarding());
                return;
            } catch (IOException e) {
                sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        throw new IllegalStateException("agent did not answer within " + timeout + ":\n" + output());
    }

    /** Stops the agent the way systemd does (SIGTERM) and waits for it. */
    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }

    private static String javaExecutable() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** A TCP port nothing listens on right now. */
    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Thread.sleep for polling loops: an interrupt fails the test. */
    public static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
