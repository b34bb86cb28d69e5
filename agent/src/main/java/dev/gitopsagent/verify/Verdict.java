package dev.gitopsagent.verify;

/** The outcome of checking one commit's signature against the configured trust. */
public sealed interface Verdict {

    /** The commit id the verdict is about. */
    String commit();

    /** Signed by a configured key and the signature is good. */
    record Trusted(String commit, SignatureFormat format, String signer, String key) implements Verdict {
    }

    /** Not acceptable; {@link #describe()} is the sentence users see in status and logs. */
    record Refused(String commit, Reason reason, String signer, String detail) implements Verdict {
        /** For example "not signed", or "signed by a key that is not trusted: OpenPGP key 1A2B... is not among ...". */
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

    enum Reason {
        UNSIGNED("not signed"),
        UNSUPPORTED_FORMAT("signed in a format this host does not trust"),
        UNKNOWN_KEY("signed by a key this host does not trust"),
        BAD_SIGNATURE("signed, but the signature does not verify"),
        EXPIRED_KEY("signed by an expired key"),
        REVOKED_KEY("signed by a revoked key");

        private final String text;

        Reason(String text) {
            this.text = text;
        }

        public String text() {
            return text;
        }
    }
}
