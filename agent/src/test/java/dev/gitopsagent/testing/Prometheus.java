package dev.gitopsagent.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Debian's Prometheus: {@link #promtool} for the configuration checks, and a real server on loopback
 * ({@link #start}) with its HTTP API for queries and alerts.
 */
public final class Prometheus implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final Process process;
    private final Path log;
    private final int port;

    private Prometheus(Process process, Path log, int port) {
        this.process = process;
        this.log = log;
        this.port = port;
    }

    /** Runs promtool (failing the test when it is not installed) and returns what happened. */
    public static ProcessResult promtool(Path workingDirectory, String... arguments) {
        List<String> command = new ArrayList<>(List.of(RequiredProgram.find("promtool", "prometheus").toString()));
        command.addAll(List.of(arguments));
        return CommandLine.of(command).in(workingDirectory).timeout(Duration.ofMinutes(2)).run();
    }

    /** Starts Prometheus with {@code config} on a free loopback port, its data under {@code dataDir}, and waits until it is ready. */
    public static Prometheus start(Path config, Path dataDir) {
        Path executable = RequiredProgram.find("prometheus", "prometheus");
        int port = AgentProcess.freePort();
        Path log = dataDir.resolve("prometheus.log");
        try {
            Files.createDirectories(dataDir);
            Process process = new ProcessBuilder(executable.toString(), "--config.file=" + config, "--storage.tsdb.path=" + dataDir.resolve("tsdb"),
                    "--web.listen-address=127.0.0.1:" + port)
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            Prometheus prometheus = new Prometheus(process, log, port);
            prometheus.awaitReady();
            return prometheus;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public URI url(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    /** {@code /api/v1/query}: the {@code data} of the answer; fails on a query Prometheus rejects. */
    public JsonNode query(String promql) {
        JsonNode answer = get("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
        if (!"success".equals(answer.path("status").asText())) {
            throw new AssertionError("Prometheus rejected " + promql + ": " + answer);
        }
        return answer.path("data");
    }

    /** {@code /api/v1/alerts}: every pending or firing alert. */
    public JsonNode alerts() {
        return get("/api/v1/alerts").path("data").path("alerts");
    }

    public String output() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private JsonNode get(String path) {
        try {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(url(path)).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void awaitReady() {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError("prometheus exited with " + process.exitValue() + ":\n" + output());
            }
            try {
                HttpResponse<Void> ready = HTTP.send(HttpRequest.newBuilder(url("/-/ready")).timeout(Duration.ofSeconds(2)).build(),
                        HttpResponse.BodyHandlers.discarding());
                if (ready.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            AgentProcess.sleep(200);
        }
        throw new AssertionError("prometheus not ready within 60 s:\n" + output());
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }
}
