package dev.gitopsagent.status;

import java.time.Instant;
import java.util.List;

import io.quarkus.runtime.annotations.RegisterForReflection;

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
        RolloutStatus.Report rollout) {

    /** The system profile's current generation. */
    public record Generation(int number, String storePath) {
    }
}
