package dev.gitopsagent.verify;

/** The outcome of checking one commit's signature against a set of trusted signers. */
public sealed interface Verdict {

    /** The commit id the verdict is about. */
    String commit();

    /** Signed by a trusted key and the signature is good. */
    record Trusted(String commit, SignatureFormat format, String signer, String key) implements Verdict {
    }

    /** Not acceptable; {@link #describe()} is the sentence users see in status and logs. */
    record Refused(String commit, Reason reason, String signer, String detail) implements Verdict {
        /** For example "not signed", or "signed by a key this host does not trust: OpenPGP key 1A2B... is not among ...". */
        public String describe() {
            StringBuilder text = new StringBuilder(reason.text);
            if (signer != null && !signer.isEmpty()) {
                text.append(" (signer ").append(signer).append(')');
            }
            if (detail != null && !detail.isEmpty()) {
                text.append(": ").append(detail);
            }
            return text.toString();
        }
    }

    /**
     * Every way a commit can fail verification. The label is what metrics count
     * ({@code gitops_refusals_total{reason="weak-hash"}}); the text starts the sentence in status.
     */
    enum Reason {
        UNSIGNED("unsigned", "not signed"),
        UNSUPPORTED_FORMAT("unsupported-format", "signed in a format this host does not trust"),
        UNKNOWN_KEY("unknown-key", "signed by a key this host does not trust"),
        BAD_SIGNATURE("bad-signature", "signed, but the signature does not verify"),
        WEAK_HASH("weak-hash", "signed over a hash algorithm that is not accepted"),
        PRIMARY_NOT_FOR_SIGNING("primary-not-for-signing", "signed by a primary key whose self-signature does not allow signing"),
        SUBKEY_NOT_FOR_SIGNING("subkey-not-for-signing", "signed by a subkey that is not flagged for signing"),
        UNBOUND_KEY("unbound-key", "signed by a key without a valid self-signature or subkey binding signature"),
        MISSING_BACK_SIGNATURE("missing-back-signature",
                "signed by a signing subkey without a valid primary-key binding (back-)signature"),
        REVOKED_KEY("revoked-key", "signed by a revoked key"),
        EXPIRED_KEY("expired-key", "signed by an expired key"),
        EXPIRED_CERTIFICATE("expired-certificate", "signed with an SSH certificate that is not valid at the commit date"),
        SIGNATURE_FROM_FUTURE("signature-from-future", "signed with a signature creation time in the future"),
        COMMIT_FROM_FUTURE("commit-from-future", "committed with a committer date in the future"),
        BACKDATED("backdated", "dated before the deployed commit"),
        NOT_AUTHORIZED("not-authorized", "signed by a key its parent's signer policy does not authorize"),
        POLICY_MISSING("policy-missing", "without a signer policy"),
        POLICY_MALFORMED("policy-malformed", "carrying a malformed signer policy");

        private final String label;
        private final String text;

        Reason(String label, String text) {
            this.label = label;
            this.text = text;
        }

        public String text() {
            return text;
        }

        /** Stable, lower-case name for metrics and JSON. */
        public String label() {
            return label;
        }
    }
}
