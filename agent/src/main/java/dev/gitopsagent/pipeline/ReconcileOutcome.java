package dev.gitopsagent.pipeline;

import dev.gitopsagent.rollout.Wait;

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

    /** Verified, and waiting to be activated (wave, halt, window): not a failure. */
    record Waiting(String commit, Wait cause) implements ReconcileOutcome {
        public String label() {
            return "waiting";
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

    /**
     * Build, activation or health check failed; {@code rollback} says whether the previous system had
     * to be put back and whether that worked.
     */
    record Failed(String commit, String reason, Rollback rollback) implements ReconcileOutcome {
        public String label() {
            return "failed";
        }
    }

    /** What a failed deployment did to the running system. */
    enum Rollback {
        /** Nothing had changed yet (failed build, or a switch that left the profile alone). */
        NOT_NEEDED,
        /** The new system was activated and broke; the previous one was activated again. */
        SUCCEEDED,
        /** Putting the previous system back failed too: the host needs attention. */
        FAILED
    }

    /** No remote answered, or the local clone or state could not be used; retried with back-off. */
    record Errored(String reason) implements ReconcileOutcome {
        public String label() {
            return "error";
        }
    }
}
