package dev.gitopsagent.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;

import org.eclipse.jgit.lib.ObjectId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.gitopsagent.TestAgent;
import dev.gitopsagent.testing.Fleet;
import dev.gitopsagent.testing.SampleFlake;
import dev.gitopsagent.testing.TestKeys;

/**
 * A new host's first sync fetches only the history it verifies, and still verifies all of it: from
 * the trust root (or, with none, the head alone) to the candidate.
 */
class FirstSyncTest {

    @TempDir
    Path dir;
    private Fleet fleet;
    private TestAgent agent;

    @BeforeEach
    void createFleet() {
        fleet = Fleet.create(dir);
    }

    @AfterEach
    void stop() throws Exception {
        if (agent != null) {
            agent.close();
        }
        fleet.close();
    }

    @Test
    void withoutTrustRootFetchesTheHeadAloneAndDeploysIt() throws Exception {
        String old = fleet.pushChange("old");
        String head = fleet.pushChange("head");
        agent = TestAgent.start(fleet.agentProperties());

        assertThat(agent.reconcile()).isEqualTo(new ReconcileOutcome.Deployed(head, "switch"));
        assertThat(agent.mirror().repository().getObjectDatabase().has(ObjectId.fromString(old))).isFalse();
    }

    @Test
    void refusesAnUnsignedCommitBetweenTheTrustRootAndASignedHeadFarBelowIt() throws Exception {
        String root = fleet.pushChange("trust root");
        SampleFlake.changeMotd(fleet.work(), Fleet.HOST, "sneaky");
        String sneaky = fleet.work().commitUnsigned("unsigned, far below the head");
        for (int i = 0; i < 5; i++) {
            fleet.pushChange("signed " + i);
        }
        String head = fleet.pushChange("head");
        agent = TestAgent.start(withTrustRoot(root));

        ReconcileOutcome outcome = agent.reconcile();

        assertThat(outcome).isInstanceOf(ReconcileOutcome.Refused.class);
        assertThat(((ReconcileOutcome.Refused) outcome).reason()).startsWith("refused " + head).contains("commit " + sneaky);
        assertThat(fleet.host().currentGeneration()).isZero();
    }

    @Test
    void verifiesEveryCommitFromTheTrustRootAndFetchesNothingOlder() throws Exception {
        String older = fleet.pushSigned(TestKeys.trustedSsh(), "before the trust root");
        String root = fleet.pushChange("trust root");
        // The root is the 8th commit from the head: depths 1, 2, 4 fall short, 8 reaches it exactly.
        for (int i = 0; i < 6; i++) {
            fleet.pushChange("signed " + i);
        }
        String head = fleet.pushChange("head");
        agent = TestAgent.start(withTrustRoot(root));

        assertThat(agent.reconcile()).isEqualTo(new ReconcileOutcome.Deployed(head, "switch"));
        assertThat(agent.mirror().repository().getObjectDatabase().has(ObjectId.fromString(root))).isTrue();
        assertThat(agent.mirror().repository().getObjectDatabase().has(ObjectId.fromString(older))).isFalse();
    }

    @Test
    void refusesAHeadThatDoesNotDescendFromTheTrustRootAfterFetchingTheWholeHistory() throws Exception {
        fleet.pushChange("first");
        String head = fleet.pushChange("head");
        String foreign = "0123456789abcdef0123456789abcdef01234567";
        agent = TestAgent.start(withTrustRoot(foreign));

        ReconcileOutcome outcome = agent.reconcile();

        assertThat(outcome).isInstanceOf(ReconcileOutcome.Refused.class);
        assertThat(((ReconcileOutcome.Refused) outcome).reason()).startsWith("refused " + head).contains(foreign);
        assertThat(agent.mirror().repository().getObjectDatabase().getShallowCommits()).isEmpty();
    }

    private Map<String, String> withTrustRoot(String commit) {
        Map<String, String> properties = fleet.agentProperties();
        properties.put("gitops.trust.root-commit", commit);
        return properties;
    }
}
