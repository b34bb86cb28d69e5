package dev.gitopsagent.verify;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.OpenSshCertificate;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.common.signature.BuiltinSignatures;
import org.apache.sshd.common.signature.Signature;
import org.apache.sshd.common.util.buffer.ByteArrayBuffer;

import dev.gitopsagent.verify.Verdict.Reason;

/**
 * Checks an SSH commit signature the way {@code ssh-keygen -Y verify} does for git: namespace
 * {@code git}, hash sha256 or sha512 only, the key (or the CA of its certificate) listed in an
 * {@link AllowedSigners} set whose line allows the namespace, and every validity limit judged at
 * the committer date (which {@link PathVerifier} bounds). Nothing from the repository's git config.
 */
final class SshVerifier {

    private static final String NAMESPACE = "git";

    /**
     * More distinct key blobs than this and the cache starts over: a history has a handful of
     * signers, and a push of commits each signed by a new throwaway key must not grow it unbounded.
     */
    static final int MAX_CACHED_KEYS = 256;

    /**
     * A key (or certificate) blob as read once: decoding an Ed25519 point is a square root, and a
     * certificate's CA signature a verification, per commit otherwise.
     */
    private record Key(OpenSshCertificate certificate, boolean signedByCa, PublicKey signingKey, Optional<Ed25519Check> ed25519,
            String fingerprint) {

        /** Whether the signing key made {@code signature} over {@code data} with {@code algorithm}. */
        boolean signed(String algorithm, byte[] data, byte[] signature) {
            return verifies(algorithm, signingKey, ed25519, data, signature);
        }
    }

    /** By the blob's exact bytes, so a cached entry is what parsing those bytes again would give. */
    private final Map<ByteBuffer, Key> keys = new ConcurrentHashMap<>();

    Verdict verify(SignedCommit commit, AllowedSigners signers, String keySource, Instant committed) {
        SshSignature parsed;
        Key read;
        try {
            parsed = SshSignature.parse(commit.signature());
            read = key(parsed.publicKey());
        } catch (RuntimeException | java.io.IOException e) {
            return refused(commit, Reason.BAD_SIGNATURE, null, "unreadable SSH signature: " + e.getMessage());
        }
        OpenSshCertificate certificate = read.certificate();
        String fingerprint = read.fingerprint();
        if (!NAMESPACE.equals(parsed.namespace())) {
            return refused(commit, Reason.BAD_SIGNATURE, null, "SSH key " + fingerprint + " signed for namespace \""
                    + parsed.namespace() + "\", not \"git\"");
        }
        if (!parsed.hashAlgorithm().equals("sha256") && !parsed.hashAlgorithm().equals("sha512")) {
            return refused(commit, Reason.WEAK_HASH, null, "SSH signature by " + fingerprint + " uses hash \"" + parsed.hashAlgorithm()
                    + "\"; only sha256 and sha512 are accepted");
        }
        if (parsed.signatureAlgorithm().equals("ssh-rsa") || parsed.signatureAlgorithm().equals("ssh-dss")) {
            return refused(commit, Reason.WEAK_HASH, null, "SSH signature by " + fingerprint + " uses " + parsed.signatureAlgorithm()
                    + " (SHA-1); RSA keys must sign with rsa-sha2-256 or rsa-sha2-512");
        }
        if (!read.signed(parsed.signatureAlgorithm(), parsed.signedData(hash(parsed.hashAlgorithm(), commit.payload())), parsed.signature())) {
            return refused(commit, Reason.BAD_SIGNATURE, null, "SSH key " + fingerprint);
        }
        return certificate == null ? checkKey(commit, signers, keySource, parsed.publicKey(), fingerprint, committed)
                : checkCertificate(commit, signers, keySource, read, committed);
    }

    private Key key(byte[] blob) throws java.io.IOException {
        ByteBuffer id = ByteBuffer.wrap(blob);
        Key known = keys.get(id);
        if (known != null) {
            return known;
        }
        PublicKey key = new ByteArrayBuffer(blob).getRawPublicKey();
        OpenSshCertificate certificate = key instanceof OpenSshCertificate c ? c : null;
        PublicKey signingKey = certificate == null ? key : certificate.getCertPubKey();
        Key read = new Key(certificate, certificate != null && caSignatureVerifies(certificate), signingKey,
                Ed25519Check.of(rawBlob(signingKey)), KeyUtils.getFingerPrint(signingKey));
        if (keys.size() >= MAX_CACHED_KEYS) {
            keys.clear();
        }
        keys.put(id, read);
        return read;
    }

    /** How many parsed keys are held now (tests: the cache stays bounded). */
    int cachedKeys() {
        return keys.size();
    }

    private static Verdict checkKey(SignedCommit commit, AllowedSigners signers, String keySource, byte[] blob, String fingerprint,
            Instant committed) {
        List<AllowedSigners.Line> lines = signers.linesFor(blob).stream().filter(line -> !line.certAuthority()).toList();
        if (lines.isEmpty()) {
            return refused(commit, Reason.UNKNOWN_KEY, null, "SSH key " + fingerprint + " is not in " + keySource);
        }
        Verdict first = null;
        for (AllowedSigners.Line line : lines) {
            Verdict verdict = checkLine(commit, line, line.principals(), fingerprint, keySource, committed);
            if (verdict instanceof Verdict.Trusted) {
                return verdict;
            }
            first = first == null ? verdict : first;
        }
        return first;
    }

    private static Verdict checkCertificate(SignedCommit commit, AllowedSigners signers, String keySource, Key read, Instant committed) {
        OpenSshCertificate certificate = read.certificate();
        String fingerprint = read.fingerprint();
        String ca = KeyUtils.getFingerPrint(certificate.getCaPubKey());
        String what = "SSH certificate \"" + certificate.getId() + "\" (key " + fingerprint + ", CA " + ca + ")";
        if (certificate.getType() != OpenSshCertificate.Type.USER || !read.signedByCa()) {
            return refused(commit, Reason.BAD_SIGNATURE, null, what + " is not a user certificate validly signed by its CA");
        }
        List<AllowedSigners.Line> lines = signers.linesFor(rawBlob(certificate.getCaPubKey())).stream()
                .filter(AllowedSigners.Line::certAuthority).toList();
        if (lines.isEmpty()) {
            return refused(commit, Reason.UNKNOWN_KEY, null, what + ": the CA is not a cert-authority in " + keySource);
        }
        long at = committed.getEpochSecond();
        if (Long.compareUnsigned(at, certificate.getValidAfter()) < 0 || Long.compareUnsigned(at, certificate.getValidBefore()) >= 0) {
            return refused(commit, Reason.EXPIRED_CERTIFICATE, String.join(",", certificate.getPrincipals()), what + " is valid "
                    + validity(certificate) + "; the commit is dated " + committed);
        }
        Verdict first = null;
        for (AllowedSigners.Line line : lines) {
            Optional<String> principal = certificate.getPrincipals().stream()
                    .filter(name -> Patterns.matchesList(name, line.patterns())).findFirst();
            Verdict verdict = principal.isEmpty()
                    ? refused(commit, Reason.UNKNOWN_KEY, null, what + " names principals " + certificate.getPrincipals()
                            + ", none allowed by line " + line.number() + " of " + keySource)
                    : checkLine(commit, line, principal.get(), fingerprint, keySource, committed);
            if (verdict instanceof Verdict.Trusted) {
                return verdict;
            }
            first = first == null ? verdict : first;
        }
        return first;
    }

    /** The namespace and validity options of one allowed_signers line. */
    private static Verdict checkLine(SignedCommit commit, AllowedSigners.Line line, String principal, String fingerprint, String keySource,
            Instant committed) {
        if (!line.allowsNamespace(NAMESPACE)) {
            return refused(commit, Reason.UNKNOWN_KEY, principal, "line " + line.number() + " of " + keySource
                    + " does not allow namespace git for SSH key " + fingerprint);
        }
        if (line.validAfter().isPresent() && committed.isBefore(line.validAfter().get())
                || line.validBefore().isPresent() && !committed.isBefore(line.validBefore().get())) {
            return refused(commit, Reason.EXPIRED_KEY, principal, "SSH key " + fingerprint + " is valid "
                    + line.validAfter().map(t -> "from " + t).orElse("") + line.validBefore().map(t -> " until " + t).orElse("")
                    + " (line " + line.number() + " of " + keySource + "); the commit is dated " + committed);
        }
        return new Verdict.Trusted(commit.id(), SignatureFormat.SSH, principal, fingerprint);
    }

    private static String validity(OpenSshCertificate certificate) {
        return "from " + Instant.ofEpochSecond(certificate.getValidAfter()) + " until "
                + (certificate.getValidBefore() == -1L ? "forever" : Instant.ofEpochSecond(certificate.getValidBefore()).toString());
    }

    /**
     * The CA signed the certificate blob up to its final field, the signature itself. MINA's
     * {@code getMessage()} returns exactly that when the certificate was the only thing in the buffer
     * it was read from, which is how {@link #verify} reads it.
     */
    private static boolean caSignatureVerifies(OpenSshCertificate certificate) {
        PublicKey ca = certificate.getCaPubKey();
        return verifies(certificate.getSignatureAlgorithm(), ca, Ed25519Check.of(rawBlob(ca)), certificate.getMessage(), certificate.getRawSignature());
    }

    /** Ed25519 with {@code ed25519} (BouncyCastle, see {@link Ed25519Check}); every other algorithm through MINA SSHD. */
    private static boolean verifies(String algorithm, PublicKey key, Optional<Ed25519Check> ed25519, byte[] data, byte[] signature) {
        if (KeyPairProvider.SSH_ED25519.equals(algorithm)) {
            return ed25519.isPresent() && ed25519.get().verifies(data, signature);
        }
        BuiltinSignatures factory = BuiltinSignatures.fromFactoryName(algorithm);
        if (factory == null || !factory.isSupported()
                || !KeyUtils.getCanonicalKeyType(KeyUtils.getKeyType(key)).equals(KeyUtils.getCanonicalKeyType(algorithm))) {
            return false;
        }
        try {
            Signature verifier = factory.create();
            verifier.initVerifier(null, key);
            verifier.update(null, data);
            return verifier.verify(null, signature);
        } catch (Exception e) {
            return false;
        }
    }

    private static byte[] rawBlob(PublicKey key) {
        ByteArrayBuffer buffer = new ByteArrayBuffer();
        buffer.putRawPublicKey(key);
        return buffer.getCompactData();
    }

    private static byte[] hash(String algorithm, byte[] payload) {
        try {
            return MessageDigest.getInstance(algorithm.equals("sha256") ? "SHA-256" : "SHA-512").digest(payload);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Verdict.Refused refused(SignedCommit commit, Reason reason, String signer, String detail) {
        return new Verdict.Refused(commit.id(), reason, signer, detail);
    }
}
