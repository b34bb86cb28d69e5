package dev.gitopsagent;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.gitopsagent.testing.AgentProcess;
import dev.gitopsagent.testing.Await;
import dev.gitopsagent.testing.Fleet;
import dev.gitopsagent.testing.TestKeys;

/**
 * Polls further apart than the 5 s the JDK keeps an idle connection by default go over one connection to
 * the Git server, as the default 60 s interval does against a server that keeps idle connections that long:
 * no new TCP (or TLS) handshake for the server at each poll.
 */
class PollConnectionIT {

    private static final String POLL = "POST /" + Fleet.REPO + "/git-upload-pack";

    @TempDir
    Path dir;

    @Test
    void pollsSevenSecondsApartGoOverOneConnection() throws Exception {
        try (Fleet fleet = Fleet.create(dir.resolve("fleet"))) {
            String first = fleet.pushSigned(TestKeys.trustedSsh(), "first configuration");
            Map<String, String> properties = fleet.agentProperties();
            properties.put("gitops.poll.interval", "7s");
            properties.put("gitops.poll.max-backoff", "15s");
            try (AgentProcess agent = AgentProcess.start(dir.resolve("agent.log"), properties)) {
                agent.awaitStatus(status -> first.equals(status.path("deployedCommit").asText()));
                fleet.server().resetCounters();

                Await.until(Duration.ofSeconds(40), "three polls", () -> fleet.server().requests().size() >= 3);

                List<String> requests = fleet.server().requests();
                List<Integer> ports = fleet.server().clientPorts();
                assertThat(requests.subList(0, 3)).as("each poll one ls-refs request").containsOnly(POLL);
                assertThat(ports.subList(0, 3)).as("the client port of each poll").containsOnly(ports.get(0));
            }
        }
    }
}
