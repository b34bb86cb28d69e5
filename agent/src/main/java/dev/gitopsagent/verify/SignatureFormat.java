package dev.gitopsagent.verify;

/** How a commit is signed, as named in status and logs. */
public enum SignatureFormat {
    OPENPGP("openpgp"), SSH("ssh"), X509("x509");

    private final String label;

    SignatureFormat(String label) {
        this.label = label;
    }

    @Override
    public String toString() {
        return label;
    }
}
