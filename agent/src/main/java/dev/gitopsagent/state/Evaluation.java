package dev.gitopsagent.state;

import java.time.Instant;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * The last decision the agent made, and about which remote heads ({@code observedHeads}, e.g.
 * {@code main=<id> testing-web1=<id>}). While the heads stay the same nothing is fetched or tried
 * again: a refused or failed commit waits for the branch to move or for an operator's retry. A
 * commit that waits (for its wave, a halt to end or a maintenance window) is looked at again once
 * {@code until} has passed; a halt has no {@code until} and lasts until the branch moves.
 *
 * @param waitingFor for {@link Outcome#WAITING}: {@code wave}, {@code halt}, {@code window} or {@code cache}
 * @param until      for {@link Outcome#WAITING}: when to look again, if time alone can end the wait
 * @param since      for {@link Outcome#WAITING} where a deadline counts from the start of the wait (the cache): that start
 */
@RegisterForReflection(ignoreNested = false)
public record Evaluation(String commit, Outcome outcome, String reason, Instant at, String observedHeads, String waitingFor, Instant until,
        Instant since) {

    public enum Outcome {
        DEPLOYED, REFUSED, FAILED, WAITING
    }

    public Evaluation(String commit, Outcome outcome, String reason, Instant at, String observedHeads) {
        this(commit, outcome, reason, at, observedHeads, null, null, null);
    }

    public boolean isFinalFor(String heads, Instant now) {
        return heads.equals(observedHeads) && (outcome != Outcome.WAITING || until == null || now.isBefore(until));
    }
}
