package dev.gitopsagent;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.gitopsagent.testing.AgentProcess;
import dev.gitopsagent.testing.Fleet;
import dev.gitopsagent.testing.TestKeys;

/**
 * A deployment that changes the agent's own trust files (a key rotation delivered by the NixOS
 * module) makes the agent exit with 75, which the systemd unit turns into a restart.
 */
class SelfRestartIT {

    @TempDir
    Path dir;

    @Test
    void exitsWith75AfterADeploymentThatChangedItsTrustFiles() throws Exception {
        try (Fleet fleet = Fleet.create(dir.resolve("fleet"))) {
            String first = fleet.pushSigned(TestKeys.trustedSsh(), "first configuration");
            Map<String, String> properties = fleet.agentProperties();
            try (AgentProcess agent = AgentProcess.start(dir.resolve("agent.log"), properties)) {
                agent.awaitStatus(status -> first.equals(status.path("deployedCommit").asText()));
                Path signers = Path.of(properties.get("gitops.trust.allowed-signers"));
                // What activating the new system does on a real host: the module rewrites the trust files.
                Files.writeString(signers, Files.readString(signers) + TestKeys.untrustedSsh().allowedSignersLine("bob@example.test") + "\n");

                fleet.pushChange("adds bob's key");

                assertThat(agent.awaitExit(Duration.ofSeconds(30))).isEqualTo(75);
                assertThat(agent.output()).contains("the agent's own configuration, trust or secret files changed");
            }
        }
    }
}
