package dev.gitopsagent.verify;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Date;
import java.util.Iterator;
import java.util.List;

import org.bouncycastle.bcpg.ArmoredOutputStream;
import org.bouncycastle.bcpg.HashAlgorithmTags;
import org.bouncycastle.bcpg.sig.KeyFlags;
import org.bouncycastle.openpgp.PGPException;
import org.bouncycastle.openpgp.PGPPrivateKey;
import org.bouncycastle.openpgp.PGPPublicKey;
import org.bouncycastle.openpgp.PGPPublicKeyRing;
import org.bouncycastle.openpgp.PGPSecretKey;
import org.bouncycastle.openpgp.PGPSecretKeyRing;
import org.bouncycastle.openpgp.PGPSignature;
import org.bouncycastle.openpgp.PGPSignatureGenerator;
import org.bouncycastle.openpgp.PGPSignatureSubpacketGenerator;
import org.bouncycastle.openpgp.PGPUtil;
import org.bouncycastle.openpgp.operator.bc.BcKeyFingerprintCalculator;
import org.bouncycastle.openpgp.operator.bc.BcPGPContentSignerBuilder;

import dev.gitopsagent.testing.GpgKey;

/**
 * What gpg refuses to make, made with BouncyCastle from keys gpg generated: signatures by keys
 * that may not sign, certificates with a binding stripped or rebuilt without its back-signature,
 * and revocations signed by the wrong key. Test-only: an attacker's toolbox.
 */
final class OpenPgpForge {

    private OpenPgpForge() {
    }

    /** The unprotected secret keys of {@code fingerprint}, exported from the gpg home that made them. */
    static PGPSecretKeyRing secretKeys(Path gnupgHome, String fingerprint) {
        String armored = GpgKey.gpg(gnupgHome, "--armor", "--export-secret-keys", fingerprint).runChecked().stdout();
        try (InputStream in = PGPUtil.getDecoderStream(new ByteArrayInputStream(armored.getBytes(StandardCharsets.US_ASCII)))) {
            return new PGPSecretKeyRing(in, new BcKeyFingerprintCalculator());
        } catch (IOException | PGPException e) {
            throw new IllegalStateException(e);
        }
    }

    static PGPPublicKeyRing publicKeys(Path keyFile) {
        try (InputStream in = PGPUtil.getDecoderStream(Files.newInputStream(keyFile))) {
            return new PGPPublicKeyRing(in, new BcKeyFingerprintCalculator());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A detached, armored document signature over {@code payload} by the (sub)key with this id. */
    static byte[] sign(PGPSecretKeyRing ring, long keyId, int hashAlgorithm, Date created, byte[] payload) {
        PGPSecretKey secret = ring.getSecretKey(keyId);
        try {
            PGPSignatureGenerator generator = generator(secret, hashAlgorithm, PGPSignature.BINARY_DOCUMENT);
            PGPSignatureSubpacketGenerator hashed = new PGPSignatureSubpacketGenerator();
            hashed.setSignatureCreationTime(false, created);
            hashed.setIssuerFingerprint(false, secret.getPublicKey());
            generator.setHashedSubpackets(hashed.generate());
            generator.update(payload);
            return armor(generator.generate());
        } catch (PGPException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The public certificate with every binding signature of every subkey removed. */
    static PGPPublicKeyRing withoutSubkeyBindings(PGPPublicKeyRing ring) {
        PGPPublicKeyRing result = ring;
        for (PGPPublicKey key : subkeys(ring)) {
            PGPPublicKey stripped = key;
            for (Iterator<PGPSignature> it = key.getSignaturesOfType(PGPSignature.SUBKEY_BINDING); it.hasNext();) {
                stripped = PGPPublicKey.removeCertification(stripped, it.next());
            }
            result = PGPPublicKeyRing.insertPublicKey(result, stripped);
        }
        return result;
    }

    /** Every subkey re-bound for signing by the primary key, but without the subkey's primary-key binding (back-)signature. */
    static PGPPublicKeyRing withBindingsLackingBackSignature(PGPPublicKeyRing ring, PGPSecretKeyRing secrets) {
        PGPPublicKeyRing result = withoutSubkeyBindings(ring);
        PGPSecretKey primary = secrets.getSecretKey();
        try {
            for (PGPPublicKey key : subkeys(result)) {
                PGPSignatureGenerator generator = generator(primary, HashAlgorithmTags.SHA256, PGPSignature.SUBKEY_BINDING);
                PGPSignatureSubpacketGenerator hashed = new PGPSignatureSubpacketGenerator();
                hashed.setSignatureCreationTime(false, new Date());
                hashed.setKeyFlags(false, KeyFlags.SIGN_DATA);
                generator.setHashedSubpackets(hashed.generate());
                PGPSignature binding = generator.generateCertification(primary.getPublicKey(), key);
                result = PGPPublicKeyRing.insertPublicKey(result, PGPPublicKey.addCertification(key, binding));
            }
            return result;
        } catch (PGPException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The victim's certificate with a key revocation attached that {@code forger}, not the victim, signed. */
    static PGPPublicKeyRing withForgedRevocation(PGPPublicKeyRing victim, PGPSecretKeyRing forger) {
        try {
            PGPSignatureGenerator generator = generator(forger.getSecretKey(), HashAlgorithmTags.SHA256, PGPSignature.KEY_REVOCATION);
            PGPSignatureSubpacketGenerator hashed = new PGPSignatureSubpacketGenerator();
            hashed.setSignatureCreationTime(false, new Date());
            generator.setHashedSubpackets(hashed.generate());
            PGPPublicKey primary = victim.getPublicKey();
            PGPSignature revocation = generator.generateCertification(primary);
            return PGPPublicKeyRing.insertPublicKey(victim, PGPPublicKey.addCertification(primary, revocation));
        } catch (PGPException e) {
            throw new IllegalStateException(e);
        }
    }

    static Path write(PGPPublicKeyRing ring, Path file) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (ArmoredOutputStream out = new ArmoredOutputStream(bytes)) {
                ring.encode(out, true);
            }
            Files.write(file, bytes.toByteArray());
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<PGPPublicKey> subkeys(PGPPublicKeyRing ring) {
        List<PGPPublicKey> subkeys = new ArrayList<>();
        ring.getPublicKeys().forEachRemaining(key -> {
            if (!key.isMasterKey()) {
                subkeys.add(key);
            }
        });
        return subkeys;
    }

    private static PGPSignatureGenerator generator(PGPSecretKey secret, int hashAlgorithm, int type) throws PGPException {
        PGPPublicKey publicKey = secret.getPublicKey();
        PGPPrivateKey privateKey = secret.extractPrivateKey(null);
        PGPSignatureGenerator generator = new PGPSignatureGenerator(
                new BcPGPContentSignerBuilder(publicKey.getAlgorithm(), hashAlgorithm),
                publicKey);
        generator.init(type, privateKey);
        return generator;
    }

    private static byte[] armor(PGPSignature signature) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (ArmoredOutputStream out = new ArmoredOutputStream(bytes)) {
                signature.encode(out);
            }
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
