package dev.gitopsagent.verify;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.Optional;

import org.bouncycastle.bcpg.HashAlgorithmTags;
import org.bouncycastle.bcpg.sig.IssuerFingerprint;
import org.bouncycastle.openpgp.PGPException;
import org.bouncycastle.openpgp.PGPObjectFactory;
import org.bouncycastle.openpgp.PGPSignature;
import org.bouncycastle.openpgp.PGPSignatureList;
import org.bouncycastle.openpgp.PGPUtil;
import org.bouncycastle.openpgp.operator.bc.BcKeyFingerprintCalculator;
import org.bouncycastle.openpgp.operator.bc.BcPGPContentVerifierBuilderProvider;
import org.bouncycastle.util.encoders.Hex;

import dev.gitopsagent.verify.KeyStanding.MayNotSign;
import dev.gitopsagent.verify.KeyStanding.MaySign;
import dev.gitopsagent.verify.Verdict.Reason;

/**
 * Checks an OpenPGP commit signature with BouncyCastle against one {@link OpenPgpKeyring}. The key
 * must be allowed to sign by its own certificate ({@link OpenPgpCertificate}), unexpired both when
 * the signature was made and now, and the signature must use a collision-resistant hash and a
 * creation time inside the {@link TimeWindow}. BouncyCastle's own (lightweight) crypto does the
 * arithmetic, not a JCA provider: nothing is looked up by name, so a native image needs no reflection
 * registrations for it and carries only the algorithms OpenPGP can reach.
 */
final class OpenPgpVerifier {

    private final BcPGPContentVerifierBuilderProvider verifiers = new BcPGPContentVerifierBuilderProvider();

    Verdict verify(SignedCommit commit, OpenPgpKeyring keyring, String keySource, TimeWindow window) {
        PGPSignature signature;
        try {
            signature = parse(commit.signature());
        } catch (IOException | PGPException | RuntimeException e) {
            return refused(commit, Reason.BAD_SIGNATURE, null, "unreadable OpenPGP signature: " + e.getMessage());
        }
        String issuer = issuerOf(signature);
        if (signature.getSignatureType() != PGPSignature.BINARY_DOCUMENT && signature.getSignatureType() != PGPSignature.CANONICAL_TEXT_DOCUMENT) {
            return refused(commit, Reason.BAD_SIGNATURE, null, "OpenPGP signature by " + issuer + " is of type "
                    + signature.getSignatureType() + ", not a document signature");
        }
        Optional<String> weak = weakHash(signature.getHashAlgorithm());
        if (weak.isPresent()) {
            return refused(commit, Reason.WEAK_HASH, null, "OpenPGP signature by " + issuer + " uses " + weak.get());
        }
        Optional<OpenPgpKeyring.Entry> found = keyring.find(signature.getKeyID());
        if (found.isEmpty()) {
            return refused(commit, Reason.UNKNOWN_KEY, null, "OpenPGP key " + issuer + " is not among " + keySource);
        }
        OpenPgpKeyring.Entry key = found.get();
        try {
            signature.init(verifiers, key.signingKey());
            signature.update(commit.payload());
            if (!signature.verify()) {
                return refused(commit, Reason.BAD_SIGNATURE, key.userId(), "OpenPGP key " + key.fingerprint());
            }
        } catch (PGPException | RuntimeException e) {
            return refused(commit, Reason.BAD_SIGNATURE, key.userId(), e.getMessage());
        }
        if (key.standing() instanceof MayNotSign refusal) {
            return refused(commit, refusal.reason(), key.userId(), refusal.detail());
        }
        Instant made = signature.getCreationTime().toInstant();
        Optional<Instant> expiry = ((MaySign) key.standing()).expiresAt();
        if (expiry.isPresent() && !made.isBefore(expiry.get())) {
            return refused(commit, Reason.EXPIRED_KEY, key.userId(),
                    "OpenPGP key " + key.fingerprint() + " expired " + expiry.get() + ", before the signature was made (" + made + ")");
        }
        if (expiry.isPresent() && !window.now().isBefore(expiry.get())) {
            return refused(commit, Reason.EXPIRED_KEY, key.userId(), "OpenPGP key " + key.fingerprint() + " expired " + expiry.get());
        }
        if (window.isAfterLatest(made)) {
            return refused(commit, Reason.SIGNATURE_FROM_FUTURE, key.userId(),
                    "signature made " + made + ", later than the host clock allows (" + window.latest() + ")");
        }
        if (window.isBeforeEarliest(made, window.skew())) {
            return refused(commit, Reason.BACKDATED, key.userId(),
                    "signature made " + made + ", before the deployed commit's date " + window.earliest().get());
        }
        return new Verdict.Trusted(commit.id(), SignatureFormat.OPENPGP, key.userId(), key.fingerprint());
    }

    private static Verdict.Refused refused(SignedCommit commit, Reason reason, String signer, String detail) {
        return new Verdict.Refused(commit.id(), reason, signer, detail);
    }

    /** MD5, SHA-1 and RIPEMD-160 are refused, as GnuPG and Sequoia do for data signatures. */
    private static Optional<String> weakHash(int algorithm) {
        return switch (algorithm) {
            case HashAlgorithmTags.MD5 -> Optional.of("MD5");
            case HashAlgorithmTags.SHA1 -> Optional.of("SHA-1");
            case HashAlgorithmTags.RIPEMD160 -> Optional.of("RIPEMD-160");
            case HashAlgorithmTags.MD2, HashAlgorithmTags.TIGER_192, HashAlgorithmTags.HAVAL_5_160 -> Optional.of("hash algorithm " + algorithm);
            default -> Optional.empty();
        };
    }

    private static PGPSignature parse(byte[] armored) throws IOException, PGPException {
        try (InputStream in = PGPUtil.getDecoderStream(new ByteArrayInputStream(armored))) {
            Object object = new PGPObjectFactory(in, new BcKeyFingerprintCalculator()).nextObject();
            if (object instanceof PGPSignatureList list && !list.isEmpty()) {
                return list.get(0);
            }
            throw new PGPException("no signature packet");
        }
    }

    private static String issuerOf(PGPSignature signature) {
        var hashed = signature.getHashedSubPackets();
        IssuerFingerprint fingerprint = hashed == null ? null : hashed.getIssuerFingerprint();
        if (fingerprint != null) {
            return Hex.toHexString(fingerprint.getFingerprint()).toUpperCase();
        }
        return Long.toHexString(signature.getKeyID()).toUpperCase();
    }
}
