package dev.gitopsagent.verify;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.bouncycastle.openpgp.PGPException;
import org.bouncycastle.openpgp.PGPPublicKey;
import org.bouncycastle.openpgp.PGPPublicKeyRing;
import org.bouncycastle.openpgp.PGPPublicKeyRingCollection;
import org.bouncycastle.openpgp.PGPUtil;
import org.bouncycastle.openpgp.operator.bc.BcKeyFingerprintCalculator;

import dev.gitopsagent.config.InvalidConfigException;

/**
 * A set of trusted OpenPGP certificates, and nothing else: no ~/.gnupg. Keys are looked up by the
 * 64-bit key id a signature names, subkeys included; each carries its {@link KeyStanding}, judged
 * once at load time, so a subkey that may not sign is found (and refused with its reason) rather
 * than reported as unknown.
 */
public final class OpenPgpKeyring {

    /** A (sub)key, the primary key that owns it, and whether its certificate lets it sign. */
    record Entry(PGPPublicKey signingKey, PGPPublicKey primaryKey, KeyStanding standing) {
        String fingerprint() {
            return OpenPgpCertificate.fingerprint(signingKey);
        }

        String userId() {
            Iterator<String> ids = primaryKey.getUserIDs();
            return ids.hasNext() ? ids.next() : OpenPgpCertificate.fingerprint(primaryKey);
        }
    }

    /** A key file that cannot be read as OpenPGP public keys. */
    public static final class UnreadableKeyException extends Exception {
        private static final long serialVersionUID = 1L;

        UnreadableKeyException(String message) {
            super(message);
        }
    }

    private final Map<Long, Entry> byKeyId;
    /** Primary user id by primary fingerprint, for status. */
    private final Map<String, String> signers;

    private OpenPgpKeyring(Map<Long, Entry> byKeyId, Map<String, String> signers) {
        this.byKeyId = Map.copyOf(byKeyId);
        this.signers = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(signers));
    }

    public static OpenPgpKeyring empty() {
        return new OpenPgpKeyring(Map.of(), Map.of());
    }

    /** Reads every key file; a file that is missing or holds no public key stops startup naming {@code configKey}. */
    public static OpenPgpKeyring load(List<Path> files, String configKey) {
        Map<String, byte[]> contents = new LinkedHashMap<>();
        for (Path file : files) {
            try {
                contents.put(file.toString(), Files.readAllBytes(file));
            } catch (IOException e) {
                throw new InvalidConfigException(configKey, "cannot read OpenPGP key file " + file + ": " + e.getMessage());
            }
        }
        try {
            return parse(contents);
        } catch (UnreadableKeyException e) {
            throw new InvalidConfigException(configKey, e.getMessage());
        }
    }

    /** Keys from named contents (file name to bytes), e.g. the files of a signer policy in the repository. */
    static OpenPgpKeyring parse(Map<String, byte[]> contents) throws UnreadableKeyException {
        Map<Long, Entry> byKeyId = new HashMap<>();
        Map<String, String> signers = new LinkedHashMap<>();
        for (Map.Entry<String, byte[]> file : contents.entrySet()) {
            List<PGPPublicKeyRing> rings = read(file.getKey(), file.getValue());
            if (rings.isEmpty()) {
                throw new UnreadableKeyException("file " + file.getKey() + " holds no OpenPGP public key");
            }
            for (PGPPublicKeyRing ring : rings) {
                PGPPublicKey primary = ring.getPublicKey();
                for (PGPPublicKey key : ring) {
                    Entry entry = new Entry(key, primary, OpenPgpCertificate.standing(primary, key));
                    byKeyId.put(key.getKeyID(), entry);
                }
                Entry primaryEntry = byKeyId.get(primary.getKeyID());
                signers.put(OpenPgpCertificate.fingerprint(primary), primaryEntry.userId());
            }
        }
        return new OpenPgpKeyring(byKeyId, signers);
    }

    private static List<PGPPublicKeyRing> read(String name, byte[] content) throws UnreadableKeyException {
        try (InputStream in = PGPUtil.getDecoderStream(new ByteArrayInputStream(content))) {
            List<PGPPublicKeyRing> rings = new ArrayList<>();
            new PGPPublicKeyRingCollection(in, new BcKeyFingerprintCalculator()).forEach(rings::add);
            return rings;
        } catch (IOException | PGPException | RuntimeException e) {
            throw new UnreadableKeyException("cannot read OpenPGP key file " + name + ": " + e.getMessage());
        }
    }

    Optional<Entry> find(long keyId) {
        return Optional.ofNullable(byKeyId.get(keyId));
    }

    public boolean isEmpty() {
        return byKeyId.isEmpty();
    }

    /** "user id (primary fingerprint)" of every certificate, for status. */
    List<String> describe() {
        List<String> out = new ArrayList<>();
        signers.forEach((fingerprint, userId) -> out.add("openpgp " + userId + " " + fingerprint));
        return out;
    }
}
