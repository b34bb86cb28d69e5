package dev.gitopsagent.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.gitopsagent.deploy.DriftWatch;
import dev.gitopsagent.pipeline.OperatorActions.AfterRollback;

/**
 * Drift: after each poll the running system ({@code gitops.deploy.current-system}) is compared with
 * the one the agent activated; a difference is reported ({@code gitops_drift}, status) and, with
 * {@code gitops.drift.self-heal}, the agent's system is activated again.
 */
class DriftTest extends DeployedFleetTest {

    @Test
    void aSystemActivatedByHandIsDriftUntilTheNextDeployment() throws Exception {
        deployOnLoop("watched");
        assertThat(agent.gauge("gitops_drift")).isZero();

        Path byHand = activateByHand();
        agent.reconcileOnLoop();

        assertThat(agent.gauge("gitops_drift")).isEqualTo(1);
        DriftWatch.Reading reading = agent.drift().reading();
        assertThat(reading).isInstanceOf(DriftWatch.Reading.Drifted.class);
        assertThat(((DriftWatch.Reading.Drifted) reading).running()).isEqualTo(byHand.toRealPath().toString());
        assertThat(fleet.host().invocations()).as("without self-heal nothing is run").hasSize(invocationsBefore);

        deployOnLoop("deployed again");

        assertThat(agent.gauge("gitops_drift")).isZero();
    }

    @Test
    void selfHealActivatesTheAgentsSystemAgain() throws Exception {
        restartAgent(with(Map.of("gitops.drift.self-heal", "true")));
        String commit = deployOnLoop("watched");
        activateByHand();

        agent.reconcileOnLoop();

        assertThat(fleet.host().runningRevision()).contains(commit);
        assertThat(fleet.host().invocations().get(fleet.host().invocations().size() - 1)).startsWith("nixos-rebuild switch");
        assertThat(agent.gauge("gitops_drift")).isZero();
    }

    @Test
    void selfHealInDryRunRunsNothing() throws Exception {
        deployOnLoop("watched");
        restartAgent(with(Map.of("gitops.drift.self-heal", "true", "gitops.deploy.action", "dry-run")));
        Path byHand = activateByHand();

        agent.reconcileOnLoop();

        assertThat(fleet.host().invocations()).hasSize(invocationsBefore);
        assertThat(fleet.host().currentSystem().toRealPath()).isEqualTo(byHand.toRealPath());
        assertThat(agent.gauge("gitops_drift")).isEqualTo(1);
    }

    @Test
    void aBootDeploymentIsWhatIsExpectedOnceTheHostRebootsIntoIt() throws Exception {
        deployOnLoop("running now");
        restartAgent(with(Map.of("gitops.deploy.action", "boot")));
        String next = fleet.pushChange("after the reboot");
        assertThat(agent.reconcileOnLoop()).isEqualTo(new ReconcileOutcome.Deployed(next, "boot"));
        assertThat(agent.gauge("gitops_drift")).as("nothing that runs changed").isZero();

        // The reboot: the running system becomes the boot default.
        Path bootDefault = fleet.host().systemProfile().toRealPath();
        Path link = fleet.host().currentSystem();
        Files.delete(link);
        Files.createSymbolicLink(link, bootDefault);
        agent.reconcileOnLoop();

        assertThat(fleet.host().runningRevision()).contains(next);
        assertThat(agent.gauge("gitops_drift")).isZero();
    }

    @Test
    void anOperatorRollbackIsNotDrift() throws Exception {
        deployOnLoop("to be rolled back");

        assertThat(agent.actions().rollback(AfterRollback.STAY_SUSPENDED).done()).isTrue();
        agent.reconcileOnLoop();

        assertThat(fleet.host().runningRevision()).contains(first);
        assertThat(agent.gauge("gitops_drift")).isZero();
    }

    private int invocationsBefore;

    private String deployOnLoop(String motd) throws Exception {
        String commit = fleet.pushChange(motd);
        assertThat(agent.reconcileOnLoop()).isEqualTo(new ReconcileOutcome.Deployed(commit, "switch"));
        return commit;
    }

    /** What {@code switch-to-configuration} of another system does to the running-system link, done behind the agent's back. */
    private Path activateByHand() throws Exception {
        Path other = Files.createDirectories(fleet.host().storeDir().resolve("hand-made-system"));
        Path link = fleet.host().currentSystem();
        Path temporary = link.resolveSibling("current-system.by-hand");
        Files.createSymbolicLink(temporary, other);
        Files.move(temporary, link, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        invocationsBefore = fleet.host().invocations().size();
        return other;
    }

    private Map<String, String> with(Map<String, String> extra) {
        Map<String, String> properties = fleet.agentProperties();
        properties.putAll(extra);
        return properties;
    }
}
