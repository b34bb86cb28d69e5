package dev.gitopsagent;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Predicate;

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
                await(agent, body -> body.contains("\"deployedCommit\":\"" + first + "\""));
                fleet.server().stop();
                String next = fleet.pushChange("pushed while the server was down");

                await(agent, body -> body.contains("cannot read branch main from any remote"));
                assertThat(agent.isAlive()).isTrue();
                assertThat(agent.get("/q/health/live").statusCode()).isEqualTo(200);
                assertThat(agent.get("/q/metrics").body()).containsPattern("gitops_consecutive_failed_polls [1-9]");

                fleet.server().restart();

                await(agent, body -> body.contains("\"deployedCommit\":\"" + next + "\""));
                assertThat(agent.get("/q/metrics").body()).contains("gitops_consecutive_failed_polls 0.0");
            }
        }
    }

    private static void await(AgentProcess agent, Predicate<String> status) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!status.test(agent.get("/status").body())) {
            assertThat(System.nanoTime()).as("status condition within 30 s; last status: %s", agent.get("/status").body())
                    .isLessThan(deadline);
            Thread.sleep(100);
        }
    }
}
