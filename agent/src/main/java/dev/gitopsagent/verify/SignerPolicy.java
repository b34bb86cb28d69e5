package dev.gitopsagent.verify;

/** Which keys a commit must be signed by ({@code gitops.trust.policy}). */
public enum SignerPolicy {
    /** The host's configured keys, for every commit. */
    HOST,
    /**
     * The signer policy each parent commit carries in the repository ({@code trust/}); the host's keys
     * only introduce it, for a first deployment without a trust root.
     */
    REPOSITORY
}
