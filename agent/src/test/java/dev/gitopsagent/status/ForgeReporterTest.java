package dev.gitopsagent.status;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;

import dev.gitopsagent.config.AgentConfig.ForgeType;
import dev.gitopsagent.pipeline.ReconcileOutcome;

/**
 * Commit statuses as the forges' documented APIs receive them, over real HTTP on loopback: path,
 * authentication header and JSON body per forge.
 */
class ForgeReporterTest {

    private static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What the forge received. */
    record Received(String method, String path, String authorization, String privateToken, JsonNode body) {
    }

    private final List<Received> received = new CopyOnWriteArrayList<>();
    private HttpServer forge;
    private volatile int answer = 201;
    /** Whether the forge answers with a body that never ends (until the agent stops reading), and how much of it it sent. */
    private volatile boolean endless;
    private final AtomicLong endlessBytesSent = new AtomicLong();

    @BeforeEach
    void startForge() throws IOException {
        forge = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        forge.setExecutor(Executors.newCachedThreadPool());
        forge.createContext("/", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            received.add(new Received(exchange.getRequestMethod(), exchange.getRequestURI().getRawPath(),
                    exchange.getRequestHeaders().getFirst("Authorization"), exchange.getRequestHeaders().getFirst("PRIVATE-TOKEN"),
                    JSON.readTree(new String(body, StandardCharsets.UTF_8))));
            if (!endless) {
                exchange.sendResponseHeaders(answer, -1);
                exchange.close();
                return;
            }
            exchange.sendResponseHeaders(answer, 0);
            byte[] chunk = "{\"message\": \"no end\"}".repeat(2000).getBytes(StandardCharsets.UTF_8);
            try (OutputStream out = exchange.getResponseBody()) {
                while (true) {
                    out.write(chunk);
                    endlessBytesSent.addAndGet(chunk.length);
                }
            } catch (IOException agentStoppedReading) {
                exchange.close();
            }
        });
        forge.start();
    }

    @AfterEach
    void stopForge() {
        forge.stop(0);
    }

    private ForgeReporter reporter(ForgeType type, String apiPath, String repository) {
        String api = "http://127.0.0.1:" + forge.getAddress().getPort() + apiPath;
        ForgeReporter.Target target = new ForgeReporter.Target(new ForgeApi(type, api, repository, "s3cret"), "gitops-agent/web1",
                Optional.of("https://web1.example.org/status"), 0);
        return new ForgeReporter(target, HttpClient.newHttpClient(), Runnable::run);
    }

    @Test
    void githubGetsASuccessStatusWithABearerTokenForADeployedCommit() {
        reporter(ForgeType.GITHUB, "", "example/fleet").reconciled(new ReconcileOutcome.Deployed(COMMIT, "switch"));

        Received status = received.get(0);
        assertThat(status.method()).isEqualTo("POST");
        assertThat(status.path()).isEqualTo("/repos/example/fleet/statuses/" + COMMIT);
        assertThat(status.authorization()).isEqualTo("Bearer s3cret");
        assertThat(status.body().path("state").asText()).isEqualTo("success");
        assertThat(status.body().path("context").asText()).isEqualTo("gitops-agent/web1");
        assertThat(status.body().path("description").asText()).isEqualTo("wave 0: deployed (switch)");
        assertThat(status.body().path("target_url").asText()).isEqualTo("https://web1.example.org/status");
    }

    @Test
    void giteaAndForgejoGetAnErrorStatusWithTheirTokenSchemeForARefusedCommit() {
        reporter(ForgeType.GITEA, "/api/v1", "example/fleet")
                .reconciled(new ReconcileOutcome.Refused(COMMIT, "refused " + COMMIT + ": not signed", "unsigned"));

        Received status = received.get(0);
        assertThat(status.path()).isEqualTo("/api/v1/repos/example/fleet/statuses/" + COMMIT);
        assertThat(status.authorization()).isEqualTo("token s3cret");
        assertThat(status.body().path("state").asText()).isEqualTo("error");
        assertThat(status.body().path("description").asText()).endsWith("not signed");
    }

    @Test
    void gitlabGetsAFailedStatusOnTheEncodedProjectPathWithAPrivateToken() {
        reporter(ForgeType.GITLAB, "/api/v4", "infra/fleet")
                .reconciled(new ReconcileOutcome.Failed(COMMIT, "deployment of " + COMMIT + " failed: build exited with code 1",
                        ReconcileOutcome.Rollback.NOT_NEEDED));

        Received status = received.get(0);
        assertThat(status.path()).isEqualTo("/api/v4/projects/infra%2Ffleet/statuses/" + COMMIT);
        assertThat(status.privateToken()).isEqualTo("s3cret");
        assertThat(status.body().path("state").asText()).isEqualTo("failed");
        assertThat(status.body().path("name").asText()).isEqualTo("gitops-agent/web1");
    }

    @Test
    void anUnchangedStatusIsNotPostedAgainAndLongReasonsAreShortened() {
        ForgeReporter reporter = reporter(ForgeType.GITHUB, "", "example/fleet");
        ReconcileOutcome.Refused refused = new ReconcileOutcome.Refused(COMMIT, "x".repeat(500), "unsigned");

        reporter.reconciled(refused);
        reporter.reconciled(refused);
        reporter.reconciled(new ReconcileOutcome.Unchanged(COMMIT));

        assertThat(received).hasSize(1);
        assertThat(received.get(0).body().path("description").asText()).hasSize(140);
    }

    @ParameterizedTest(name = "HTTP {0}")
    @ValueSource(ints = {201, 500})
    void aForgeAnsweringWithoutEndIsReadNoFurtherThanTheStartOfARefusal(int status) {
        ForgeReporter reporter = reporter(ForgeType.GITHUB, "", "example/fleet");
        answer = status;
        endless = true;

        // Reading the whole answer, as before, never returned and filled the heap.
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> reporter.reconciled(new ReconcileOutcome.Deployed(COMMIT, "switch")));

        assertThat(received).hasSize(1);
        assertThat(endlessBytesSent.get()).as("what the forge got out before the agent stopped reading").isLessThan(64L << 20);
    }

    @Test
    void aStatusTheForgeRejectedIsPostedAgainNextTime() {
        ForgeReporter reporter = reporter(ForgeType.GITHUB, "", "example/fleet");
        answer = 500;
        reporter.reconciled(new ReconcileOutcome.Deployed(COMMIT, "switch"));
        answer = 201;

        reporter.reconciled(new ReconcileOutcome.Deployed(COMMIT, "switch"));

        assertThat(received).hasSize(2);
    }
}
