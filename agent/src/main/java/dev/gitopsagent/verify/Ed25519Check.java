package dev.gitopsagent.verify;

import java.security.PublicKey;
import java.util.Optional;

import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.common.util.buffer.ByteArrayBuffer;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/**
 * An Ed25519 SSH key ready to check signatures with BouncyCastle's RFC 8032 code, its point decoded
 * and validated once. MINA SSHD would check them with net.i2p's EdDSA, with which the agent spent
 * about twice the CPU per SSH-signed commit, and which accepts a key of small order. RFC 8032's rules
 * hold here: the scalar below the group order (a second signature for one message is refused),
 * encodings canonical, and the key a point of the prime-order group (for a small-order key, anyone
 * can sign); {@code TrustAttackTest} has a row for each.
 */
final class Ed25519Check {

    private static final int KEY_BYTES = 32;
    private static final int SIGNATURE_BYTES = 64;

    private final Ed25519.PublicPoint point;

    private Ed25519Check(Ed25519.PublicPoint point) {
        this.point = point;
    }

    /** The check for {@code key}, if it is an Ed25519 key (not a security-key one) whose point is valid. */
    static Optional<Ed25519Check> of(PublicKey key) {
        if (!KeyPairProvider.SSH_ED25519.equals(KeyUtils.getKeyType(key))) {
            return Optional.empty();
        }
        ByteArrayBuffer blob = new ByteArrayBuffer();
        blob.putRawPublicKey(key);
        if (!KeyPairProvider.SSH_ED25519.equals(blob.getString())) {
            return Optional.empty();
        }
        byte[] encoded = blob.getBytes();
        if (encoded.length != KEY_BYTES || blob.available() != 0) {
            return Optional.empty();
        }
        return Optional.ofNullable(Ed25519.validatePublicKeyFullExport(encoded, 0)).map(Ed25519Check::new);
    }

    /**
     * Whether {@code signature} signs {@code data}: in SSH's encoding (string "ssh-ed25519", string
     * R || S), as in an SSHSIG blob, or the 64 bytes R || S alone, as MINA SSHD hands over a
     * certificate's signature (an encoded one is never 64 bytes long).
     */
    boolean verifies(byte[] data, byte[] signature) {
        try {
            byte[] raw = signature.length == SIGNATURE_BYTES ? signature : unwrap(signature);
            return raw.length == SIGNATURE_BYTES && Ed25519.verify(raw, 0, point, data, 0, data.length);
        } catch (RuntimeException malformed) {
            // MINA's buffer throws on a length that runs past the end: not a signature.
            return false;
        }
    }

    private static byte[] unwrap(byte[] encoded) {
        ByteArrayBuffer buffer = new ByteArrayBuffer(encoded);
        if (!KeyPairProvider.SSH_ED25519.equals(buffer.getString())) {
            return new byte[0];
        }
        byte[] raw = buffer.getBytes();
        return buffer.available() == 0 ? raw : new byte[0];
    }
}
