package dev.gitopsagent.verify;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;

import org.bouncycastle.bcpg.sig.IssuerFingerprint;
import org.bouncycastle.openpgp.PGPException;
import org.bouncycastle.openpgp.PGPObjectFactory;
import org.bouncycastle.openpgp.PGPPublicKey;
import org.bouncycastle.openpgp.PGPSignature;
import org.bouncycastle.openpgp.PGPSignatureList;
import org.bouncycastle.openpgp.PGPUtil;
import org.bouncycastle.openpgp.operator.jcajce.JcaKeyFingerprintCalculator;
import org.bouncycastle.openpgp.operator.jcajce.JcaPGPContentVerifierBuilderProvider;
import org.bouncycastle.util.encoders.Hex;

import dev.gitopsagent.verify.Verdict.Reason;

/**
 * Checks an OpenPGP commit signature with BouncyCastle against {@link OpenPgpKeyring} only. Key
 * expiry and revocation are judged at the current time, never at a date the signer wrote.
 */
final class OpenPgpVerifier {

    private final OpenPgpKeyring keyring;
    private final JcaPGPContentVerifierBuilderProvider verifiers = new JcaPGPContentVerifierBuilderProvider()
            .setProvider(BouncyCastleProvider.INSTANCE);

    OpenPgpVerifier(OpenPgpKeyring keyring) {
        this.keyring = keyring;
    }

    Verdict verify(SignedCommit commit, Instant now) {
        PGPSignature signature;
        try {
            signature = parse(commit.signature());
        } catch (IOException | PGPException | RuntimeException e) {
            return new Verdict.Refused(commit.id(), Reason.BAD_SIGNATURE, null, "unreadable OpenPGP signature: " + e.getMessage());
        }
        String issuer = issuerOf(signature);
        var entry = keyring.find(signature.getKeyID());
        if (entry.isEmpty()) {
            return new Verdict.Refused(commit.id(), Reason.UNKNOWN_KEY, null, "OpenPGP key " + issuer + " is not among gitops.trust.openpgp-keys");
        }
        OpenPgpKeyring.Entry key = entry.get();
        try {
            signature.init(verifiers, key.signingKey());
            signature.update(commit.payload());
            if (!signature.verify()) {
                return new Verdict.Refused(commit.id(), Reason.BAD_SIGNATURE, key.userId(), "OpenPGP key " + key.fingerprint());
            }
        } catch (PGPException | RuntimeException e) {
            return new Verdict.Refused(commit.id(), Reason.BAD_SIGNATURE, key.userId(), e.getMessage());
        }
        if (key.primaryKey().hasRevocation() || key.signingKey().hasRevocation()) {
            return new Verdict.Refused(commit.id(), Reason.REVOKED_KEY, key.userId(), "OpenPGP key " + key.fingerprint());
        }
        if (isExpired(key.primaryKey(), now) || isExpired(key.signingKey(), now)) {
            return new Verdict.Refused(commit.id(), Reason.EXPIRED_KEY, key.userId(), "OpenPGP key " + key.fingerprint());
        }
        return new Verdict.Trusted(commit.id(), SignatureFormat.OPENPGP, key.userId(), key.fingerprint());
    }

    private static PGPSignature parse(byte[] armored) throws IOException, PGPException {
        try (InputStream in = PGPUtil.getDecoderStream(new ByteArrayInputStream(armored))) {
            Object object = new PGPObjectFactory(in, new JcaKeyFingerprintCalculator()).nextObject();
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

    private static boolean isExpired(PGPPublicKey key, Instant now) {
        long validSeconds = key.getValidSeconds();
        return validSeconds > 0 && key.getCreationTime().toInstant().plusSeconds(validSeconds).isBefore(now);
    }
}
