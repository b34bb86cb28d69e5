package dev.gitopsagent.state;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.annotation.JsonIgnore;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * Everything the agent must remember across restarts. Immutable: every change makes a new value
 * that {@link StateStore} writes atomically. The records are registered for
 * reflection because {@link StateStore} reads and writes them with its own ObjectMapper, which a native
 * image can only do for registered classes.
 *
 * @param deployedCommit the last commit built and activated successfully; deployments must descend from it
 * @param deployedAt     when it was activated
 * @param deployedSignature who signed it
 * @param lastEvaluation the last remote head a decision was made about
 * @param testingCommit  the commit of the testing branch activated with {@code test} on top of the deployed one, if any
 * @param attempt        the deployment in progress, if any
 * @param history        newest first, bounded
 * @param suspension     set while deployments are paused
 * @param lastTested     the newest testing commit ever activated, kept after its test ends: older ones are refused
 * @param override       an operator's one-time exception to the wave or window, until the next activation
 */
@RegisterForReflection
public record AgentState(
        String deployedCommit,
        Instant deployedAt,
        SignatureRecord deployedSignature,
        Evaluation lastEvaluation,
        String testingCommit,
        Attempt attempt,
        List<Deployment> history,
        Suspension suspension,
        TestedCommit lastTested,
        OperatorOverride override) {

    public static final AgentState EMPTY = new AgentState(null, null, null, null, null, null, List.of(), null, null, null);

    public AgentState {
        history = history == null ? List.of() : List.copyOf(history);
    }

    @JsonIgnore
    public Optional<String> deployed() {
        return Optional.ofNullable(deployedCommit);
    }

    @JsonIgnore
    public Optional<Evaluation> evaluation() {
        return Optional.ofNullable(lastEvaluation);
    }

    @JsonIgnore
    public Optional<Attempt> inProgress() {
        return Optional.ofNullable(attempt);
    }

    public AgentState withEvaluation(Evaluation evaluation) {
        return new AgentState(deployedCommit, deployedAt, deployedSignature, evaluation, testingCommit, attempt, history, suspension, lastTested, override);
    }

    public AgentState withAttempt(Attempt next) {
        return new AgentState(deployedCommit, deployedAt, deployedSignature, lastEvaluation, testingCommit, next, history, suspension, lastTested, override);
    }

    public AgentState withSuspension(Suspension value) {
        return new AgentState(deployedCommit, deployedAt, deployedSignature, lastEvaluation, testingCommit, attempt, history, value, lastTested, override);
    }

    public AgentState withOverride(OperatorOverride value) {
        return new AgentState(deployedCommit, deployedAt, deployedSignature, lastEvaluation, testingCommit, attempt, history, suspension, lastTested, value);
    }

    @JsonIgnore
    public Optional<OperatorOverride> pendingOverride() {
        return Optional.ofNullable(override);
    }

    @JsonIgnore
    public boolean isSuspended() {
        return suspension != null;
    }

    /** Forgets the last decision so the current head is evaluated again. */
    public AgentState withoutEvaluation() {
        return withEvaluation(null);
    }

    /** A testing commit activated on top of the deployed one; it becomes the newest tested commit. */
    public AgentState withTesting(String commit) {
        return new AgentState(deployedCommit, deployedAt, deployedSignature, lastEvaluation, commit, attempt, history, suspension,
                new TestedCommit(commit, deployedCommit), override);
    }

    @JsonIgnore
    public Optional<TestedCommit> tested() {
        return Optional.ofNullable(lastTested);
    }

    /** The commit the host is running: the testing one while a test is active. */
    @JsonIgnore
    public Optional<String> running() {
        return testingCommit != null ? Optional.of(testingCommit) : deployed();
    }

    /** A commit deployed from the main branch; it also ends any test. */
    public AgentState withDeployed(String commit, Instant at, SignatureRecord signature) {
        return new AgentState(commit, at, signature, lastEvaluation, null, attempt, history, suspension, lastTested, override);
    }

    /** Records a finished deployment, ends the attempt, and keeps at most {@code limit} entries. */
    public AgentState withFinished(Deployment deployment, int limit) {
        List<Deployment> next = new ArrayList<>(limit);
        next.add(deployment);
        for (Deployment older : history) {
            if (next.size() == limit) {
                break;
            }
            next.add(older);
        }
        return new AgentState(deployedCommit, deployedAt, deployedSignature, lastEvaluation, testingCommit, null, next, suspension, lastTested, override);
    }
}
