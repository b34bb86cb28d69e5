package dev.gitopsagent.state;

import java.time.Instant;

/**
 * The last remote head the agent made a decision about. A head that was refused or failed is not
 * tried again until the branch moves or an operator asks for a retry.
 */
public record Evaluation(String commit, Outcome outcome, String reason, Instant at) {

    public enum Outcome {
        DEPLOYED, REFUSED, FAILED
    }

    public boolean isFinalFor(String head) {
        return commit.equals(head);
    }
}
