package dev.gitopsagent.verify;

import dev.gitopsagent.verify.Verdict.Reason;

/** The signer policy a commit carries: usable, or missing or malformed (and where). */
sealed interface PolicyLookup {

    record Found(SignerSet signers) implements PolicyLookup {
    }

    /** {@code reason} is {@link Reason#POLICY_MISSING} or {@link Reason#POLICY_MALFORMED}; {@code detail} names the file and line. */
    record Broken(Reason reason, String detail) implements PolicyLookup {
    }
}
