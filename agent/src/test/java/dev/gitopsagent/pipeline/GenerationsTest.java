package dev.gitopsagent.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * {@code gitops.deploy.keep-generations}: after each switch the real {@code nix-env} deletes all but
 * the last N generations of the system profile. Off by default; a dry-run deletes nothing.
 */
class GenerationsTest extends DeployedFleetTest {

    @Test
    void keepsOnlyTheLastGenerationsAfterEachSwitch() throws Exception {
        restartAgent(with(Map.of("gitops.deploy.keep-generations", "2")));

        String last = deployChanges(3);

        assertThat(fleet.host().generations()).containsExactly(3, 4);
        assertThat(fleet.host().currentGeneration()).isEqualTo(4);
        assertThat(fleet.host().runningRevision()).contains(last);
    }

    @Test
    void keepsEveryGenerationByDefault() throws Exception {
        deployChanges(3);

        assertThat(fleet.host().generations()).containsExactly(1, 2, 3, 4);
    }

    @Test
    void aDryRunDeletesNoGeneration() throws Exception {
        deployChanges(2);
        restartAgent(with(Map.of("gitops.deploy.keep-generations", "1", "gitops.deploy.action", "dry-run")));
        String next = fleet.pushChange("only looked at");

        assertThat(agent.reconcileOnLoop()).isEqualTo(new ReconcileOutcome.Deployed(next, "dry-run"));

        assertThat(fleet.host().generations()).containsExactly(1, 2, 3);
    }

    /** Pushes and deploys {@code count} signed changes on the agent's own loop; returns the last commit. */
    private String deployChanges(int count) throws Exception {
        String commit = null;
        for (int i = 1; i <= count; i++) {
            commit = fleet.pushChange("change " + i);
            assertThat(agent.reconcileOnLoop()).isEqualTo(new ReconcileOutcome.Deployed(commit, "switch"));
        }
        return commit;
    }

    private Map<String, String> with(Map<String, String> extra) {
        Map<String, String> properties = fleet.agentProperties();
        properties.putAll(extra);
        return properties;
    }
}
