package dev.gitopsagent.verify;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;

import org.bouncycastle.bcpg.PublicKeyAlgorithmTags;
import org.bouncycastle.bcpg.sig.KeyFlags;
import org.bouncycastle.openpgp.PGPException;
import org.bouncycastle.openpgp.PGPPublicKey;
import org.bouncycastle.openpgp.PGPSignature;
import org.bouncycastle.openpgp.PGPSignatureList;
import org.bouncycastle.openpgp.PGPSignatureSubpacketVector;
import org.bouncycastle.openpgp.operator.bc.BcPGPContentVerifierBuilderProvider;
import org.bouncycastle.util.encoders.Hex;

import dev.gitopsagent.verify.KeyStanding.MayNotSign;
import dev.gitopsagent.verify.KeyStanding.MaySign;
import dev.gitopsagent.verify.Verdict.Reason;

/**
 * Judges the self-signatures of one OpenPGP certificate the way GnuPG does before it lets a key
 * sign: every signature that grants or takes away a capability is verified cryptographically, so
 * a stripped, forged or foreign binding counts as absent, and a forged revocation as no revocation.
 */
final class OpenPgpCertificate {

    private static final BcPGPContentVerifierBuilderProvider VERIFIERS = new BcPGPContentVerifierBuilderProvider();

    private OpenPgpCertificate() {
    }

    /** The standing of {@code key}, which is {@code primary} itself or one of its subkeys. */
    static KeyStanding standing(PGPPublicKey primary, PGPPublicKey key) {
        String primaryName = "primary key " + fingerprint(primary);
        Optional<PGPSignature> selfSignature = newest(selfSignatures(primary));
        if (selfSignature.isEmpty()) {
            return new MayNotSign(Reason.UNBOUND_KEY, primaryName + " has no valid self-signature");
        }
        Optional<PGPSignature> primaryRevocation = verified(primary, PGPSignature.KEY_REVOCATION,
                signature -> verify(signature, primary, s -> s.verifyCertification(primary)));
        if (primaryRevocation.isPresent()) {
            return new MayNotSign(Reason.REVOKED_KEY, primaryName + " is revoked" + revocationDate(primaryRevocation.get()));
        }
        Optional<Instant> primaryExpiry = expiry(primary, selfSignature.get());
        if (key == primary) {
            if (!maySign(selfSignature.get(), primary)) {
                return new MayNotSign(Reason.PRIMARY_NOT_FOR_SIGNING,
                        primaryName + " is flagged " + flags(selfSignature.get()) + ", not for signing");
            }
            return new MaySign(primaryExpiry);
        }
        String subkeyName = "subkey " + fingerprint(key) + " of " + primaryName;
        Optional<PGPSignature> binding = newest(verifiedList(key, PGPSignature.SUBKEY_BINDING,
                signature -> verify(signature, primary, s -> s.verifyCertification(primary, key))));
        if (binding.isEmpty()) {
            return new MayNotSign(Reason.UNBOUND_KEY, subkeyName + " has no valid binding signature");
        }
        Optional<PGPSignature> subkeyRevocation = verified(key, PGPSignature.SUBKEY_REVOCATION,
                signature -> verify(signature, primary, s -> s.verifyCertification(primary, key)));
        if (subkeyRevocation.isPresent()) {
            return new MayNotSign(Reason.REVOKED_KEY, subkeyName + " is revoked" + revocationDate(subkeyRevocation.get()));
        }
        if (!maySign(binding.get(), key)) {
            return new MayNotSign(Reason.SUBKEY_NOT_FOR_SIGNING, subkeyName + " is flagged " + flags(binding.get()) + ", not for signing");
        }
        if (!hasBackSignature(binding.get(), primary, key)) {
            return new MayNotSign(Reason.MISSING_BACK_SIGNATURE, subkeyName
                    + ": its binding carries no valid primary-key binding signature made by the subkey");
        }
        Optional<Instant> subkeyExpiry = expiry(key, binding.get());
        return new MaySign(earliest(primaryExpiry, subkeyExpiry));
    }

    static String fingerprint(PGPPublicKey key) {
        return Hex.toHexString(key.getFingerprint()).toUpperCase();
    }

    /** Verified certifications by the primary key over one of its user ids, and direct-key signatures. */
    private static List<PGPSignature> selfSignatures(PGPPublicKey primary) {
        List<PGPSignature> found = new ArrayList<>();
        for (Iterator<String> ids = primary.getUserIDs(); ids.hasNext();) {
            String id = ids.next();
            for (Iterator<PGPSignature> signatures = primary.getSignaturesForID(id); signatures.hasNext();) {
                PGPSignature signature = signatures.next();
                if (signature.isCertification() && signature.getKeyID() == primary.getKeyID()
                        && verify(signature, primary, s -> s.verifyCertification(id, primary))) {
                    found.add(signature);
                }
            }
        }
        found.addAll(verifiedList(primary, PGPSignature.DIRECT_KEY, signature -> verify(signature, primary, s -> s.verifyCertification(primary))));
        return found;
    }

    /** GnuPG puts the embedded back-signature in the unhashed area (it is signed itself), others in the hashed one. */
    private static boolean hasBackSignature(PGPSignature binding, PGPPublicKey primary, PGPPublicKey subkey) {
        for (PGPSignatureSubpacketVector area : new PGPSignatureSubpacketVector[] {binding.getHashedSubPackets(), binding.getUnhashedSubPackets()}) {
            try {
                PGPSignatureList embedded = area == null ? null : area.getEmbeddedSignatures();
                for (int i = 0; embedded != null && i < embedded.size(); i++) {
                    PGPSignature back = embedded.get(i);
                    if (back.getSignatureType() == PGPSignature.PRIMARYKEY_BINDING
                            && verify(back, subkey, s -> s.verifyCertification(primary, subkey))) {
                        return true;
                    }
                }
            } catch (PGPException | RuntimeException e) {
                // an unreadable embedded signature is no back-signature
            }
        }
        return false;
    }

    /** The key flags of the governing signature; without any, what the algorithm can do (RFC 4880 5.2.3.21). */
    private static boolean maySign(PGPSignature governing, PGPPublicKey key) {
        PGPSignatureSubpacketVector hashed = governing.getHashedSubPackets();
        if (hashed != null && hashed.hasSubpacket(org.bouncycastle.bcpg.SignatureSubpacketTags.KEY_FLAGS)) {
            return (hashed.getKeyFlags() & KeyFlags.SIGN_DATA) != 0;
        }
        return switch (key.getAlgorithm()) {
            case PublicKeyAlgorithmTags.RSA_GENERAL, PublicKeyAlgorithmTags.RSA_SIGN, PublicKeyAlgorithmTags.DSA,
                    PublicKeyAlgorithmTags.ECDSA, PublicKeyAlgorithmTags.EDDSA_LEGACY, PublicKeyAlgorithmTags.Ed25519,
                    PublicKeyAlgorithmTags.Ed448 -> true;
            default -> false;
        };
    }

    private static String flags(PGPSignature governing) {
        PGPSignatureSubpacketVector hashed = governing.getHashedSubPackets();
        int flags = hashed == null ? 0 : hashed.getKeyFlags();
        List<String> names = new ArrayList<>();
        if ((flags & KeyFlags.CERTIFY_OTHER) != 0) {
            names.add("certify");
        }
        if ((flags & KeyFlags.SIGN_DATA) != 0) {
            names.add("sign");
        }
        if ((flags & (KeyFlags.ENCRYPT_COMMS | KeyFlags.ENCRYPT_STORAGE)) != 0) {
            names.add("encrypt");
        }
        if ((flags & KeyFlags.AUTHENTICATION) != 0) {
            names.add("authenticate");
        }
        return names.isEmpty() ? "with no capability" : String.join("+", names) + "-only";
    }

    private static Optional<Instant> expiry(PGPPublicKey key, PGPSignature governing) {
        PGPSignatureSubpacketVector hashed = governing.getHashedSubPackets();
        long seconds = hashed == null ? 0 : hashed.getKeyExpirationTime();
        return seconds <= 0 ? Optional.empty() : Optional.of(key.getCreationTime().toInstant().plusSeconds(seconds));
    }

    private static Optional<Instant> earliest(Optional<Instant> a, Optional<Instant> b) {
        if (a.isEmpty()) {
            return b;
        }
        if (b.isEmpty()) {
            return a;
        }
        return a.get().isBefore(b.get()) ? a : b;
    }

    private static String revocationDate(PGPSignature revocation) {
        return " (revocation made " + revocation.getCreationTime().toInstant() + ")";
    }

    private static Optional<PGPSignature> newest(List<PGPSignature> signatures) {
        return signatures.stream().max(java.util.Comparator.comparing(PGPSignature::getCreationTime));
    }

    private static Optional<PGPSignature> verified(PGPPublicKey key, int type, java.util.function.Predicate<PGPSignature> check) {
        return verifiedList(key, type, check).stream().findFirst();
    }

    private static List<PGPSignature> verifiedList(PGPPublicKey key, int type, java.util.function.Predicate<PGPSignature> check) {
        List<PGPSignature> found = new ArrayList<>();
        for (Iterator<PGPSignature> signatures = key.getSignaturesOfType(type); signatures.hasNext();) {
            PGPSignature signature = signatures.next();
            if (check.test(signature)) {
                found.add(signature);
            }
        }
        return found;
    }

    @FunctionalInterface
    private interface Check {
        boolean verify(PGPSignature signature) throws PGPException;
    }

    /** Initialises {@code signature} for {@code signer} and runs the check; any failure counts as "does not verify". */
    private static boolean verify(PGPSignature signature, PGPPublicKey signer, Check check) {
        if (signature.getKeyID() != 0 && signature.getKeyID() != signer.getKeyID()) {
            return false;
        }
        try {
            signature.init(VERIFIERS, signer);
            return check.verify(signature);
        } catch (PGPException | RuntimeException e) {
            return false;
        }
    }
}
