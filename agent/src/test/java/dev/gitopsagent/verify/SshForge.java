package dev.gitopsagent.verify;

import java.io.InputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import java.util.Locale;
import java.util.function.UnaryOperator;

import org.apache.sshd.common.NamedResource;
import org.apache.sshd.common.signature.BuiltinSignatures;
import org.apache.sshd.common.signature.Signature;
import org.apache.sshd.common.util.buffer.ByteArrayBuffer;
import org.apache.sshd.common.util.security.SecurityUtils;

/**
 * SSH signatures (PROTOCOL.sshsig) that {@code ssh-keygen -Y sign} refuses to make: with the key
 * ssh-keygen generated, over any hash algorithm (the weak-hash attack) and with the Ed25519 scalar
 * not reduced (the malleability attack); and, with no secret at all, one for the Ed25519 key of
 * order 1. Test-only.
 */
final class SshForge {

    /** The order of the Ed25519 base point, 2^252 + 27742317777372353535851937790883648493 (RFC 8032). */
    private static final BigInteger GROUP_ORDER = BigInteger.TWO.pow(252).add(new BigInteger("27742317777372353535851937790883648493"));

    private SshForge() {
    }

    /** Signs {@code payload} for namespace git with the ed25519 key in {@code privateKey}, hashing it with {@code hash} ("sha1"). */
    static byte[] sign(Path privateKey, String hash, byte[] payload) {
        return sign(privateKey, hash, payload, UnaryOperator.identity());
    }

    /**
     * A valid sha512 signature of {@code payload} whose scalar S (the second half) has the group order
     * added: the same point equations hold, so a verifier that does not require S below the order
     * accepts a second signature for one message, which RFC 8032 forbids.
     */
    static byte[] signWithUnreducedScalar(Path privateKey, byte[] payload) {
        return sign(privateKey, "sha512", payload, signature -> {
            byte[] s = reversed(Arrays.copyOfRange(signature, 32, 64));
            byte[] unreduced = new BigInteger(1, s).add(GROUP_ORDER).toByteArray();
            byte[] littleEndian = reversed(unreduced);
            byte[] out = signature.clone();
            Arrays.fill(out, 32, 64, (byte) 0);
            System.arraycopy(littleEndian, 0, out, 32, Math.min(32, littleEndian.length));
            return out;
        });
    }

    /**
     * The Ed25519 key whose point is the identity, of order 1: with it, R = identity and S = 0
     * satisfy the verification equation for every message, so anyone can sign as it.
     */
    static byte[] identityKeyBlob() {
        byte[] point = new byte[32];
        point[0] = 1;
        ByteArrayBuffer key = new ByteArrayBuffer();
        key.putString("ssh-ed25519");
        key.putBytes(point);
        return key.getCompactData();
    }

    /** A signature (sha512) by {@link #identityKeyBlob()}, made without any secret: the same for every message. */
    static byte[] signWithIdentityKey() {
        byte[] signature = new byte[64];
        signature[0] = 1;
        return armor(identityKeyBlob(), "sha512", signature);
    }

    private static byte[] reversed(byte[] bytes) {
        byte[] out = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            out[i] = bytes[bytes.length - 1 - i];
        }
        return out;
    }

    private static byte[] sign(Path privateKey, String hash, byte[] payload, UnaryOperator<byte[]> rawSignature) {
        try {
            KeyPair pair;
            try (InputStream in = Files.newInputStream(privateKey)) {
                pair = SecurityUtils.loadKeyPairIdentities(null, NamedResource.ofName(privateKey.toString()), in, null).iterator().next();
            }
            byte[] digest = MessageDigest.getInstance(hash.equals("sha1") ? "SHA-1" : hash.toUpperCase(Locale.ROOT)).digest(payload);
            ByteArrayBuffer signed = new ByteArrayBuffer();
            signed.putRawBytes("SSHSIG".getBytes(StandardCharsets.US_ASCII));
            signed.putString("git");
            signed.putString("");
            signed.putString(hash);
            signed.putBytes(digest);
            Signature signer = BuiltinSignatures.ed25519.create();
            signer.initSigner(null, pair.getPrivate());
            signer.update(null, signed.getCompactData());
            ByteArrayBuffer publicKey = new ByteArrayBuffer();
            publicKey.putRawPublicKey(pair.getPublic());
            return armor(publicKey.getCompactData(), hash, rawSignature.apply(signer.sign(null)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The armored SSHSIG blob (namespace git) of an Ed25519 signature R || S by the key {@code publicKey}. */
    private static byte[] armor(byte[] publicKey, String hash, byte[] rawSignature) {
        ByteArrayBuffer signatureBlob = new ByteArrayBuffer();
        signatureBlob.putString("ssh-ed25519");
        signatureBlob.putBytes(rawSignature);
        ByteArrayBuffer blob = new ByteArrayBuffer();
        blob.putRawBytes("SSHSIG".getBytes(StandardCharsets.US_ASCII));
        blob.putUInt(1);
        blob.putBytes(publicKey);
        blob.putString("git");
        blob.putString("");
        blob.putString(hash);
        blob.putBytes(signatureBlob.getCompactData());
        String base64 = Base64.getMimeEncoder(70, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(blob.getCompactData());
        return ("-----BEGIN SSH SIGNATURE-----\n" + base64 + "\n-----END SSH SIGNATURE-----\n").getBytes(StandardCharsets.US_ASCII);
    }
}
