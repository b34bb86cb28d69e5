package dev.gitopsagent;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.gitopsagent.testing.AgentProcess;
import dev.gitopsagent.testing.Fleet;
import dev.gitopsagent.testing.TestKeys;

/** One agent per host: a second one, or one that cannot serve its API, stops at once and deploys nothing. */
class AgentInstancesIT {

    @TempDir
    Path dir;

    private Fleet fleet;

    @BeforeEach
    void createFleet() {
        fleet = Fleet.create(dir.resolve("fleet"));
    }

    @AfterEach
    void closeFleet() {
        fleet.close();
    }

    @Test
    void aSecondAgentOnTheSameStateDirectoryStopsNamingIt() throws Exception {
        String first = fleet.pushSigned(TestKeys.trustedSsh(), "first configuration");
        Map<String, String> properties = fleet.agentProperties();
        properties.put("gitops.control.token-file", fleet.writeSecret("control-token", "t0ken").toString());
        try (AgentProcess running = AgentProcess.start(dir.resolve("first.log"), properties)) {
            running.awaitStatus(status -> first.equals(status.path("deployedCommit").asText()));
            // Suspended, so that a build from here on could only come from the second agent.
            assertThat(running.send(HttpRequest.newBuilder(running.url("/control/suspend")).header("Authorization", "Bearer t0ken")
                    .POST(HttpRequest.BodyPublishers.noBody()).build()).statusCode()).isEqualTo(200);
            int invocations = fleet.host().invocations().size();
            fleet.pushChange("pending");

            try (AgentProcess second = AgentProcess.launch(dir.resolve("second.log"), properties)) {
                assertThat(second.awaitExit(Duration.ofSeconds(60))).isNotZero();
                assertThat(second.output().lines().filter(line -> line.contains("invalid configuration")))
                        .singleElement().asString()
                        .contains("gitops.state-dir names " + fleet.root().resolve("state") + ", which another gitops-agent is using (pid ");
            }
            assertThat(running.isAlive()).isTrue();
            assertThat(fleet.host().invocations()).hasSize(invocations);
        }
    }

    @Test
    void anAgentWhosePortIsTakenDeploysNothing() throws Exception {
        fleet.pushSigned(TestKeys.trustedSsh(), "pending configuration");
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            Map<String, String> properties = fleet.agentProperties();
            properties.put("gitops.http.port", Integer.toString(taken.getLocalPort()));

            try (AgentProcess agent = AgentProcess.launch(dir.resolve("agent.log"), properties)) {
                assertThat(agent.awaitExit(Duration.ofSeconds(60))).isNotZero();
                assertThat(agent.output()).contains("invalid configuration: gitops.http.port " + taken.getLocalPort() + " on 127.0.0.1 cannot be bound");
            }
        }
        assertThat(fleet.host().invocations()).isEmpty();
        assertThat(fleet.stateFile()).doesNotExist();
    }
}
