package dev.gitopsagent.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

import dev.gitopsagent.TestAgent;
import dev.gitopsagent.testing.Fleet;
import dev.gitopsagent.testing.TestKeys;

/** The starting point of most scenarios: a fleet whose first signed commit an agent has deployed. */
abstract class DeployedFleetTest {

    @TempDir
    Path dir;

    Fleet fleet;
    TestAgent agent;
    String first;

    @BeforeEach
    void deployFirstCommit() throws Exception {
        fleet = Fleet.create(dir);
        first = fleet.pushSigned(TestKeys.trustedSsh(), "first configuration");
        agent = TestAgent.start(fleet.agentProperties());
        assertThat(agent.reconcile()).isInstanceOf(ReconcileOutcome.Deployed.class);
    }

    @AfterEach
    void stop() throws Exception {
        agent.close();
        fleet.close();
    }

    /** Stops this agent and starts another over the same state, as a service restart does. */
    void restartAgent(Map<String, String> properties) throws Exception {
        agent.close();
        agent = TestAgent.start(properties);
    }
}
