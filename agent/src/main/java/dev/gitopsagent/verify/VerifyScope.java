package dev.gitopsagent.verify;

/** Which commits between the deployed one and the candidate are verified ({@code gitops.trust.verify}). */
public enum VerifyScope {
    /** Every commit reachable from the candidate and not from the baseline, second parents of merges included. */
    ALL,
    /** Only the first-parent chain: a merge's signer vouches for what the merge brings in. */
    FIRST_PARENT
}
