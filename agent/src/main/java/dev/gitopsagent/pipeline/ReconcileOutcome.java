package dev.gitopsagent.pipeline;

/** How one reconcile ended. Every variant but {@link Unchanged} is logged and shown in status. */
public sealed interface ReconcileOutcome {

    /** Short word for metrics labels and the last-poll result. */
    String label();

    /** The remote head is the one already decided on; nothing was fetched. */
    record Unchanged(String head) implements ReconcileOutcome {
        public String label() {
            return "unchanged";
        }
    }

    /** Deployments are suspended; the remote head was looked at, not deployed. */
    record Suspended(String head) implements ReconcileOutcome {
        public String label() {
            return "suspended";
        }
    }

    /** Verified, built and activated (or, in dry-run, verified and logged). */
    record Deployed(String commit, String action) implements ReconcileOutcome {
        public String label() {
            return "deployed";
        }
    }

    /** Refused before anything was built: signature, ancestry or trust problem; {@code cause} labels the refusal metric. */
    record Refused(String commit, String reason, String cause) implements ReconcileOutcome {
        public String label() {
            return "refused";
        }
    }

    /** Build or activation failed; the running system was left as it was. */
    record Failed(String commit, String reason) implements ReconcileOutcome {
        public String label() {
            return "failed";
        }
    }

    /** No remote answered, or the local clone or state could not be used; retried with back-off. */
    record Errored(String reason) implements ReconcileOutcome {
        public String label() {
            return "error";
        }
    }
}
