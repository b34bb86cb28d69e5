package dev.gitopsagent.state;

import java.time.Instant;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * The last decision the agent made, and about which remote heads ({@code observedHeads}, e.g.
 * {@code main=<id> testing-web1=<id>}). While the heads stay the same nothing is fetched or tried
 * again: a refused or failed commit waits for the branch to move or for an operator's retry.
 */
@RegisterForReflection
public record Evaluation(String commit, Outcome outcome, String reason, Instant at, String observedHeads) {

    public enum Outcome {
        DEPLOYED, REFUSED, FAILED
    }

    public boolean isFinalFor(String heads) {
        return heads.equals(observedHeads);
    }
}
