package dev.gitopsagent.verify;

import java.util.Optional;

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

    /** The check for an SSH public key blob (string type, string point), if it is an Ed25519 key whose point is valid. */
    static Optional<Ed25519Check> of(byte[] keyBlob) {
        byte[] encoded = ed25519Field(keyBlob);
        if (encoded.length != KEY_BYTES) {
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
        byte[] raw = signature.length == SIGNATURE_BYTES ? signature : ed25519Field(signature);
        return raw.length == SIGNATURE_BYTES && Ed25519.verify(raw, 0, point, data, 0, data.length);
    }

    /**
     * The second field of an SSH key or signature encoding whose first field names ssh-ed25519 and that
     * has nothing after it; empty for anything else.
     */
    private static byte[] ed25519Field(byte[] encoded) {
        try {
            ByteArrayBuffer buffer = new ByteArrayBuffer(encoded);
            if (!KeyPairProvider.SSH_ED25519.equals(buffer.getString())) {
                return new byte[0];
            }
            byte[] field = buffer.getBytes();
            return buffer.available() == 0 ? field : new byte[0];
        } catch (RuntimeException malformed) {
            // MINA's buffer throws on a length that runs past the end: not such an encoding.
            return new byte[0];
        }
    }
}
