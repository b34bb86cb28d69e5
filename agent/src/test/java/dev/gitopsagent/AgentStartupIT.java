package dev.gitopsagent;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.function.Consumer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.gitopsagent.testing.AgentProcess;
import dev.gitopsagent.testing.Fleet;

/** A configuration the agent cannot run with stops it at startup, and the output names the key and the problem. */
class AgentStartupIT {

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
    void aPollIntervalThatIsNotADurationStopsStartup() throws Exception {
        String output = failedStartup(properties -> properties.put("gitops.poll.interval", "banana"));

        assertThat(output).contains("gitops.poll.interval").contains("banana").contains("Invalid duration");
    }

    @Test
    void aHostNameThatIsNotAFlakeAttributeStopsStartup() throws Exception {
        String output = failedStartup(properties -> properties.put("gitops.host", "bad host!"));

        assertThat(output).contains("gitops.host must be a host name of letters, digits");
    }

    @Test
    void aMissingAllowedSignersFileStopsStartup() throws Exception {
        String output = failedStartup(properties -> properties.put("gitops.trust.allowed-signers", dir.resolve("nowhere").toString()));

        assertThat(output).contains("gitops.trust.allowed-signers names " + dir.resolve("nowhere") + ", which is not a readable file");
    }

    @Test
    void noTrustedKeyAtAllStopsStartup() throws Exception {
        String output = failedStartup(properties -> {
            properties.remove("gitops.trust.allowed-signers");
            properties.remove("gitops.trust.openpgp-keys");
        });

        assertThat(output).contains("gitops.trust names no trusted key");
    }

    @Test
    void aMaintenanceWindowOutsideTheDocumentedSyntaxStopsStartup() throws Exception {
        String output = failedStartup(properties -> properties.put("gitops.deploy.windows", "Sat 02:00 UTC for 4h; Sun 2am for 4h"));

        assertThat(output).contains("invalid configuration: gitops.deploy.windows 'Sun 2am for 4h': '2am' is not a time of day");
    }

    /** Starts the agent with the fleet's working configuration after {@code breakIt}, and returns its output once it exits. */
    private String failedStartup(Consumer<Map<String, String>> breakIt) throws InterruptedException {
        Map<String, String> properties = fleet.agentProperties();
        breakIt.accept(properties);
        AgentProcess agent = AgentProcess.launch(dir.resolve("agent.log"), properties);
        try {
            int exit = agent.awaitExit(Duration.ofSeconds(30));
            assertThat(exit).as(agent.output()).isNotZero();
            return agent.output();
        } finally {
            agent.close();
        }
    }
}
