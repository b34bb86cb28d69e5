package dev.gitopsagent.verify;

/** The outcome of verifying every commit between the baseline and a candidate. */
public sealed interface PathVerdict {

    String candidate();

    /**
     * Every commit on the path passed.
     *
     * @param commits how many commits were verified
     * @param head the candidate's own verdict, for status
     * @param signers who may sign the candidate's children
     */
    record Verified(String candidate, int commits, Verdict.Trusted head, SignersInForce signers) implements PathVerdict {
    }

    /** The oldest commit on the path that failed, and why. */
    record Refused(String candidate, Verdict.Refused refusal) implements PathVerdict {

        public Verdict.Reason reason() {
            return refusal.reason();
        }

        /** The sentence for status and logs, naming the refused commit when it is not the candidate itself. */
        public String describe() {
            return refusal.commit().equals(candidate) ? refusal.describe()
                    : "commit " + refusal.commit() + " on the path from the deployed commit is " + refusal.describe();
        }
    }
}
