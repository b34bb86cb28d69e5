package dev.gitopsagent.bench;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.gitopsagent.testing.AgentProcess;

/**
 * The packaged agent as a real process with chosen JVM options, or the native executable. {@link AgentProcess}
 * fixes its JVM options and hides the pid; footprint figures need both.
 */
final class AgentJvm implements AutoCloseable {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final Process process;
    private final Path log;
    private final int port;
    private final long launchedAt;

    private AgentJvm(Process process, Path log, int port, long launchedAt) {
        this.process = process;
        this.log = log;
        this.port = port;
        this.launchedAt = launchedAt;
    }

    static AgentJvm launch(Path log, List<String> jvmOptions, Map<String, String> properties) throws IOException {
        return launch(log, jvmOptions, Map.of(), properties);
    }

    /** As {@link #launch(Path, List, Map)}, with extra environment variables (e.g. MALLOC_ARENA_MAX). */
    static AgentJvm launch(Path log, List<String> jvmOptions, Map<String, String> environment, Map<String, String> properties)
            throws IOException {
        return launch(log, ownJava(), jvmOptions, environment, properties);
    }

    /** As {@link #launch(Path, List, Map, Map)}, on the given {@code java} (e.g. another JDK's). */
    static AgentJvm launch(Path log, Path java, List<String> jvmOptions, Map<String, String> environment, Map<String, String> properties)
            throws IOException {
        List<String> command = new ArrayList<>();
        command.add(java.toString());
        command.addAll(jvmOptions);
        return start(log, command, List.of("-jar", AgentProcess.jar().toString()), environment, properties);
    }

    /** The {@code java} of the JVM running the benchmark. */
    static Path ownJava() {
        return Path.of(System.getProperty("java.home"), "bin", "java");
    }

    /** The native executable instead of the jar, with the same properties (a native image takes {@code -D} too). */
    static AgentJvm launchNative(Path log, Path runner, Map<String, String> properties) throws IOException {
        return launchNative(log, runner, List.of(), properties);
    }

    /** As {@link #launchNative(Path, Path, Map)}, with run-time options of the image (e.g. {@code -Xmn8m}). */
    static AgentJvm launchNative(Path log, Path runner, List<String> options, Map<String, String> properties) throws IOException {
        List<String> program = new ArrayList<>();
        program.add(runner.toString());
        program.addAll(options);
        return start(log, program, List.of(), Map.of(), properties);
    }

    private static AgentJvm start(Path log, List<String> program, List<String> tail, Map<String, String> environment,
            Map<String, String> properties) throws IOException {
        int port = freePort();
        List<String> command = new ArrayList<>(program);
        command.add("-Dgitops.http.port=" + port);
        properties.forEach((key, value) -> command.add("-D" + key + "=" + value));
        command.addAll(tail);
        Files.createDirectories(log.getParent());
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().putAll(environment);
        long launchedAt = System.nanoTime();
        return new AgentJvm(builder.start(), log, port, launchedAt);
    }

    /** Waits until /q/health/ready answers 200 (after the first reconcile); returns the time since launch. */
    Duration awaitReady(Duration timeout) throws IOException, InterruptedException {
        return awaitOk("/q/health/ready", timeout);
    }

    /** Waits until /q/health/live answers 200 (HTTP up, before the first reconcile); returns the time since launch. */
    Duration awaitLive(Duration timeout) throws IOException, InterruptedException {
        return awaitOk("/q/health/live", timeout);
    }

    private Duration awaitOk(String path, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("agent exited with " + process.exitValue() + ":\n" + Files.readString(log));
            }
            try {
                HttpResponse<Void> response = HTTP.send(HttpRequest.newBuilder(url(path)).timeout(Duration.ofSeconds(2)).build(),
                        HttpResponse.BodyHandlers.discarding());
                if (response.statusCode() == 200) {
                    return Duration.ofNanos(System.nanoTime() - launchedAt);
                }
            } catch (IOException e) {
                // not listening yet
            }
            // Every probe costs the agent CPU: at a fixed 5 ms a 20 s first sync answered 4,000 of them, a tenth of its
            // profile samples. Waiting 1/200 of the time so far keeps the figure within 0.5 % and the probes near 200.
            Thread.sleep(Math.max(5, (System.nanoTime() - launchedAt) / 200_000_000L));
        }
        throw new IllegalStateException("agent: no 200 from " + path + " within " + timeout + ":\n" + Files.readString(log));
    }

    URI url(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    HttpResponse<String> send(HttpRequest request) throws IOException, InterruptedException {
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    }

    String get(String path) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(url(path)).GET().build()).body();
    }

    long pid() {
        return process.pid();
    }

    /** CPU time of the process so far (all its threads), from /proc/<pid>/stat. */
    double cpuMillis() {
        return ProcStat.ticks(process.pid()) * ProcStat.TICK_MILLIS;
    }

    /** Resident set size from /proc/<pid>/status, in bytes. */
    long residentBytes() throws IOException {
        return statusField("VmRSS:") * 1024;
    }

    /** Peak resident set size, in bytes. */
    long peakResidentBytes() throws IOException {
        return statusField("VmHWM:") * 1024;
    }

    /** Threads of the process, from /proc/<pid>/status. */
    long threads() throws IOException {
        return statusField("Threads:");
    }

    /** A numeric field of /proc/<pid>/status (kB for the memory ones). */
    private long statusField(String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(process.pid()), "status"))) {
            if (line.startsWith(field)) {
                return Long.parseLong(line.substring(field.length()).trim().split("\\s+")[0]);
            }
        }
        throw new IllegalStateException(field + " missing for pid " + process.pid());
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
