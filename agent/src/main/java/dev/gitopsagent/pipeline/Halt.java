package dev.gitopsagent.pipeline;

import java.util.List;

import dev.gitopsagent.rollout.Wait;

/** Why a reconcile stopped before deploying: one type for each way to stop, recorded by {@link Recorder}. */
public sealed interface Halt {

    /** The remote heads are the ones already decided on; nothing was fetched. */
    record NothingNew(String head) implements Halt {
    }

    /** Deployments are suspended; the remote head was looked at, not deployed. */
    record Suspended(String head) implements Halt {
    }

    /** Deployments were suspended while the candidate was being built: built, not activated. */
    record SuspendedBeforeActivation(Realise.Built built, String reason) implements Halt {
    }

    /** The candidate is what already runs (or is already under test): decided, nothing to build. */
    record UpToDate(Select.Candidate candidate) implements Halt {
    }

    /** Verified and allowed, but not to be activated yet: a wave's soak time, a signed halt, a maintenance window. */
    record Waiting(Select.Candidate candidate, Wait cause) implements Halt {
    }

    /**
     * Refused before anything was built: signature, ancestry or trust problem.
     *
     * @param cause a stable label for metrics, e.g. {@code not-descendant}, {@code unsigned}, {@code weak-hash}
     */
    record Refused(String commit, String reason, String observedHeads, String cause) implements Halt {
    }

    /**
     * Build, activation or health check failed; {@code rollback} says whether the previous system had
     * to be put back and whether that worked.
     */
    record Failed(Realise.Built built, String reason, ReconcileOutcome.Rollback rollback, List<String> output) implements Halt {
    }
}
