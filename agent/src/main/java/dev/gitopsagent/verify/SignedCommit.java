package dev.gitopsagent.verify;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

import org.eclipse.jgit.revwalk.RevCommit;

/**
 * A commit split into what was signed and the signature. Git signs the raw commit object with its
 * {@code gpgsig} header (and that header's continuation lines) removed.
 */
public record SignedCommit(String id, byte[] payload, byte[] signature) {

    private static final byte[] SIGNATURE_HEADER = "gpgsig".getBytes(StandardCharsets.US_ASCII);

    /** Null signature when the commit carries none. */
    public static SignedCommit of(RevCommit commit) {
        byte[] signature = commit.getRawGpgSignature();
        String id = commit.name();
        if (signature == null) {
            return new SignedCommit(id, null, null);
        }
        return new SignedCommit(id, withoutSignatureHeader(commit.getRawBuffer()), signature);
    }

    public boolean isSigned() {
        return signature != null;
    }

    private static byte[] withoutSignatureHeader(byte[] raw) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length);
        int pos = 0;
        boolean inHeaders = true;
        boolean skipping = false;
        while (pos < raw.length) {
            int end = pos;
            while (end < raw.length && raw[end] != '\n') {
                end++;
            }
            int next = Math.min(end + 1, raw.length);
            if (inHeaders) {
                if (end == pos) {
                    inHeaders = false;
                    skipping = false;
                } else if (raw[pos] == ' ') {
                    // A continuation line belongs to the header above it.
                } else {
                    skipping = startsWithHeader(raw, pos, end);
                }
            }
            if (!(inHeaders && skipping)) {
                out.write(raw, pos, next - pos);
            }
            pos = next;
        }
        return out.toByteArray();
    }

    private static boolean startsWithHeader(byte[] raw, int start, int end) {
        int length = SIGNATURE_HEADER.length;
        if (end - start <= length || raw[start + length] != ' ') {
            return false;
        }
        for (int i = 0; i < length; i++) {
            if (raw[start + i] != SIGNATURE_HEADER[i]) {
                return false;
            }
        }
        return true;
    }
}
