package dev.gitopsagent.status;

import java.time.Instant;
import java.util.List;

import io.quarkus.runtime.annotations.RegisterForReflection;

import dev.gitopsagent.deploy.DriftWatch;
import dev.gitopsagent.state.Deployment;
import dev.gitopsagent.state.Evaluation;
import dev.gitopsagent.state.SignatureRecord;
import dev.gitopsagent.state.Suspension;
import dev.gitopsagent.verify.SignersInForce;

/**
 * The body of {@code GET /status}; the README documents every field. This record, {@link Generation} and
 * the records it holds are registered for reflection: Jackson serializes them by reflection, in a native
 * image too.
 */
@RegisterForReflection(ignoreNested = false)
public record StatusReport(
        String agentVersion,
        String host,
        String repository,
        List<String> mirrors,
        String branch,
        String action,
        String phase,
        boolean suspended,
        Suspension suspension,
        String remoteHead,
        Instant remoteHeadCommittedAt,
        Boolean stale,
        String testingBranch,
        String testingHead,
        String testingCommit,
        String deployedCommit,
        Instant deployedAt,
        SignatureRecord signature,
        SignersInForce signers,
        String runningCommit,
        Generation systemGeneration,
        LiveStatus.Poll lastPoll,
        Instant nextPoll,
        Evaluation lastDecision,
        Deployment lastDeployment,
        LiveStatus.Problem lastError,
        RolloutStatus.Report rollout,
        Drift drift) {

    /**
     * The running system against the one the agent activated; null before the agent activated one.
     *
     * @param since when a poll first saw the difference; null while in sync
     */
    public record Drift(boolean drifted, String expected, String running, Instant since) {

        public static Drift of(DriftWatch.Reading reading) {
            if (reading instanceof DriftWatch.Reading.InSync inSync) {
                return new Drift(false, inSync.system(), inSync.system(), null);
            }
            if (reading instanceof DriftWatch.Reading.Drifted drifted) {
                return new Drift(true, drifted.expected(), drifted.running(), drifted.since());
            }
            return null;
        }
    }

    /** The system profile's current generation. */
    public record Generation(int number, String storePath) {
    }
}
