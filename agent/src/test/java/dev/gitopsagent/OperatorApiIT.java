package dev.gitopsagent;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.gitopsagent.testing.AgentProcess;
import dev.gitopsagent.testing.CommandLine;
import dev.gitopsagent.testing.Fleet;
import dev.gitopsagent.testing.ProcessResult;
import dev.gitopsagent.testing.SampleFlake;
import dev.gitopsagent.testing.TestKeys;

/** The operator's API as a running agent serves it: dry-run obeyed, failures explained, probes quiet. */
class OperatorApiIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOKEN = "operator-token";

    @TempDir
    Path dir;

    private Fleet fleet;
    private Map<String, String> properties;

    @BeforeEach
    void createFleet() {
        fleet = Fleet.create(dir.resolve("fleet"));
        properties = fleet.agentProperties();
        properties.put("gitops.control.token-file", fleet.writeSecret("control-token", TOKEN).toString());
    }

    @AfterEach
    void closeFleet() {
        fleet.close();
    }

    @Test
    void rollbackInDryRunRunsNothingThroughTheApiOrTheCli() throws Exception {
        String first = fleet.pushSigned(TestKeys.trustedSsh(), "first configuration");
        properties.put("gitops.deploy.action", "dry-run");
        try (AgentProcess agent = AgentProcess.start(dir.resolve("agent.log"), properties)) {
            agent.awaitStatus(status -> first.equals(status.path("deployedCommit").asText()));

            HttpResponse<String> api = control(agent, "/control/rollback");
            ProcessResult cli = cli("rollback", "--url", "http://127.0.0.1:" + agent.port(), "--token-file",
                    properties.get("gitops.control.token-file"));

            assertThat(api.statusCode()).isEqualTo(409);
            assertThat(JSON.readTree(api.body()).path("message").asText())
                    .isEqualTo("dry-run: would run " + fleet.host().executable() + " switch --rollback; nothing was run and deployments were not suspended");
            assertThat(cli.exitCode()).isEqualTo(1);
            assertThat(cli.stderr()).contains("rollback not done: dry-run: would run");
            assertThat(fleet.host().invocations()).as("dry-run runs nothing, not even for an operator").isEmpty();
            assertThat(agent.output()).contains("rollback requested: dry-run: would run");
            assertThat(agent.status().path("suspended").asBoolean()).isFalse();
        }
    }

    @Test
    void anUnexpectedFailureAnswersJsonWithAnErrorIdThatTheLogCarriesWithTheCause() throws Exception {
        String first = fleet.pushSigned(TestKeys.trustedSsh(), "first configuration");
        try (AgentProcess agent = AgentProcess.start(dir.resolve("agent.log"), properties)) {
            agent.awaitStatus(status -> first.equals(status.path("deployedCommit").asText()));
            // Something takes the state file's place, so recording a suspension fails.
            Files.delete(fleet.stateFile());
            Files.createDirectories(fleet.stateFile().resolve("in-the-way"));

            HttpResponse<String> answer = control(agent, "/control/suspend");

            assertThat(answer.statusCode()).isEqualTo(500);
            assertThat(answer.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("application/json"));
            JsonNode body = JSON.readTree(answer.body());
            String id = body.path("errorId").asText();
            assertThat(id).matches("[0-9a-f]{8}");
            assertThat(body.path("message").asText()).startsWith("internal error " + id + ": ");
            assertThat(agent.output().lines().filter(line -> line.contains("error id " + id)))
                    .singleElement().asString().contains(fleet.stateFile().toString());
            assertThat(agent.get("/no-such-endpoint").body()).startsWith("{\"message\":");
        }
    }

    @Test
    void healthProbesBeforeTheFirstReconcileWriteNothingToTheLog() throws Exception {
        SampleFlake.slowBuild(fleet.work(), Fleet.HOST, 6);
        String slow = fleet.pushSigned(TestKeys.trustedSsh(), "a first build that takes a while");
        try (AgentProcess agent = AgentProcess.start(dir.resolve("agent.log"), properties)) {
            List<Integer> readiness = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                readiness.add(agent.get("/q/health/ready").statusCode());
            }
            agent.awaitStatus(status -> slow.equals(status.path("deployedCommit").asText()));

            assertThat(readiness).as("not ready before the first reconcile ends").contains(503);
            assertThat(agent.output()).doesNotContain("SRHCK").doesNotContain("Reporting health down");
        }
    }

    private static HttpResponse<String> control(AgentProcess agent, String path) {
        return agent.send(HttpRequest.newBuilder(agent.url(path)).header("Authorization", "Bearer " + TOKEN)
                .POST(HttpRequest.BodyPublishers.noBody()).build());
    }

    private ProcessResult cli(String... args) {
        return CommandLine.of(AgentProcess.command(Map.of(), args)).env("QUARKUS_CONFIG_LOCATIONS", dir.resolve("absent.properties").toString()).run();
    }
}
