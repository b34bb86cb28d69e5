package dev.gitopsagent.hooks;

import java.time.Instant;

/**
 * Something operators are told about: a deployment that succeeded, failed or was refused, or a
 * rollback. What hooks get in their environment and notification webhooks in their payload.
 *
 * @param commit the commit it is about; null for a rollback by an operator when the running commit is unknown
 * @param reason why (a refusal's or failure's reason, what a rollback did); empty for a success
 */
public record Event(Kind kind, String host, String commit, String action, String reason, Instant at) {

    /** The four events; the label is the value of {@code GITOPS_EVENT} and of the payloads' {@code event}. */
    public enum Kind {
        SUCCESS("success"),
        FAILURE("failure"),
        REFUSAL("refusal"),
        ROLLBACK("rollback");

        private final String label;

        Kind(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /** One line for people: {@code web1: deployed 9f0c1a2 (switch)}. */
    public String summary() {
        String shortCommit = commit == null ? "" : commit.substring(0, Math.min(12, commit.length()));
        return switch (kind) {
            case SUCCESS -> host + ": deployed " + shortCommit + " (" + action + ")";
            case FAILURE -> host + ": deployment of " + shortCommit + " failed: " + reason;
            case REFUSAL -> host + ": " + reason;
            case ROLLBACK -> host + ": rolled back" + (commit == null ? "" : " to " + shortCommit) + ": " + reason;
        };
    }
}
