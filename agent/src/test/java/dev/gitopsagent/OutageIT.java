package dev.gitopsagent;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.gitopsagent.testing.AgentProcess;
import dev.gitopsagent.testing.Fleet;
import dev.gitopsagent.testing.TestKeys;

/** The Git server goes away: the agent keeps serving its status, reports the error, and recovers by itself. */
class OutageIT {

    @TempDir
    Path dir;

    @Test
    void keepsRunningWhileTheServerIsDownAndDeploysByItselfOnceItIsBack() throws Exception {
        try (Fleet fleet = Fleet.create(dir.resolve("fleet"))) {
            String first = fleet.pushSigned(TestKeys.trustedSsh(), "first configuration");
            try (AgentProcess agent = AgentProcess.start(dir.resolve("agent.log"), fleet.agentProperties())) {
                agent.awaitStatus(status -> first.equals(status.path("deployedCommit").asText()));
                fleet.server().stop();
                String next = fleet.pushChange("pushed while the server was down");

                agent.awaitStatus(status -> status.path("lastError").path("reason").asText().contains("cannot read branch main from any remote"));
                assertThat(agent.isAlive()).isTrue();
                assertThat(agent.get("/q/health/live").statusCode()).isEqualTo(200);
                assertThat(agent.get("/q/metrics").body()).containsPattern("gitops_consecutive_failed_polls [1-9]");

                fleet.server().restart();

                agent.awaitStatus(status -> next.equals(status.path("deployedCommit").asText()));
                assertThat(agent.get("/q/metrics").body()).contains("gitops_consecutive_failed_polls 0.0");
            }
        }
    }
}
