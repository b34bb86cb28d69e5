package dev.gitopsagent.verify;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.bouncycastle.openpgp.PGPException;
import org.bouncycastle.openpgp.PGPPublicKey;
import org.bouncycastle.openpgp.PGPPublicKeyRing;
import org.bouncycastle.openpgp.PGPPublicKeyRingCollection;
import org.bouncycastle.openpgp.PGPUtil;
import org.bouncycastle.openpgp.operator.jcajce.JcaKeyFingerprintCalculator;
import org.bouncycastle.util.encoders.Hex;

import dev.gitopsagent.config.InvalidConfigException;

/**
 * The OpenPGP public keys the operator configured, and nothing else: no ~/.gnupg, no keys from the
 * repository. Keys are looked up by the 64-bit key id a signature names, subkeys included.
 */
public final class OpenPgpKeyring {

    /** A signing (sub)key and the primary key that owns it (which carries the user id and revocations). */
    public record Entry(PGPPublicKey signingKey, PGPPublicKey primaryKey) {
        public String fingerprint() {
            return Hex.toHexString(signingKey.getFingerprint()).toUpperCase();
        }

        public String userId() {
            Iterator<String> ids = primaryKey.getUserIDs();
            return ids.hasNext() ? ids.next() : fingerprint();
        }
    }

    private final Map<Long, Entry> byKeyId;

    private OpenPgpKeyring(Map<Long, Entry> byKeyId) {
        this.byKeyId = Map.copyOf(byKeyId);
    }

    public static OpenPgpKeyring empty() {
        return new OpenPgpKeyring(Map.of());
    }

    /** Reads every key file; a file that is missing or holds no public key stops startup naming {@code configKey}. */
    public static OpenPgpKeyring load(List<Path> files, String configKey) {
        Map<Long, Entry> byKeyId = new HashMap<>();
        for (Path file : files) {
            List<PGPPublicKeyRing> rings = read(file, configKey);
            if (rings.isEmpty()) {
                throw new InvalidConfigException(configKey, "file " + file + " holds no OpenPGP public key");
            }
            for (PGPPublicKeyRing ring : rings) {
                PGPPublicKey primary = ring.getPublicKey();
                for (PGPPublicKey key : ring) {
                    byKeyId.put(key.getKeyID(), new Entry(key, primary));
                }
            }
        }
        return new OpenPgpKeyring(byKeyId);
    }

    private static List<PGPPublicKeyRing> read(Path file, String configKey) {
        try (InputStream in = PGPUtil.getDecoderStream(Files.newInputStream(file))) {
            List<PGPPublicKeyRing> rings = new ArrayList<>();
            new PGPPublicKeyRingCollection(in, new JcaKeyFingerprintCalculator()).forEach(rings::add);
            return rings;
        } catch (IOException | PGPException e) {
            throw new InvalidConfigException(configKey, "cannot read OpenPGP key file " + file + ": " + e.getMessage());
        }
    }

    public Optional<Entry> find(long keyId) {
        return Optional.ofNullable(byKeyId.get(keyId));
    }

    public boolean isEmpty() {
        return byKeyId.isEmpty();
    }
}
