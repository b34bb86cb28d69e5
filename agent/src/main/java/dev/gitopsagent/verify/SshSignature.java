package dev.gitopsagent.verify;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

import org.apache.sshd.common.util.buffer.ByteArrayBuffer;

/**
 * The fields of an SSH signature blob (OpenSSH PROTOCOL.sshsig), read by the agent itself so that
 * the hash algorithm and namespace are judged before anything trusts the signature.
 *
 * @param publicKey the signer's public key or certificate blob
 * @param signature the signature blob: algorithm name and signature bytes
 */
record SshSignature(byte[] publicKey, String namespace, String hashAlgorithm, byte[] signature, String signatureAlgorithm) {

    private static final byte[] MAGIC = "SSHSIG".getBytes(StandardCharsets.US_ASCII);
    private static final String BEGIN = "-----BEGIN SSH SIGNATURE-----";
    private static final String END = "-----END SSH SIGNATURE-----";

    static SshSignature parse(byte[] armored) {
        String text = new String(armored, StandardCharsets.US_ASCII).strip();
        if (!text.startsWith(BEGIN) || !text.endsWith(END)) {
            throw new IllegalArgumentException("not an armored SSH signature");
        }
        byte[] blob = Base64.getMimeDecoder().decode(text.substring(BEGIN.length(), text.length() - END.length()));
        for (int i = 0; i < MAGIC.length; i++) {
            if (blob.length <= i || blob[i] != MAGIC[i]) {
                throw new IllegalArgumentException("no SSHSIG magic");
            }
        }
        ByteArrayBuffer buffer = new ByteArrayBuffer(blob, MAGIC.length, blob.length - MAGIC.length);
        long version = buffer.getUInt();
        if (version != 1) {
            throw new IllegalArgumentException("SSHSIG version " + version);
        }
        byte[] publicKey = buffer.getBytes();
        String namespace = buffer.getString();
        buffer.getBytes(); // reserved
        String hashAlgorithm = buffer.getString();
        byte[] signature = buffer.getBytes();
        if (buffer.available() > 0) {
            throw new IllegalArgumentException("trailing bytes after the signature");
        }
        String signatureAlgorithm = new ByteArrayBuffer(signature).getString();
        return new SshSignature(publicKey, namespace, hashAlgorithm, signature, signatureAlgorithm);
    }

    /** What the key signed: the magic, namespace, reserved field, hash algorithm and the message's hash. */
    byte[] signedData(byte[] messageHash) {
        ByteArrayBuffer data = new ByteArrayBuffer();
        data.putRawBytes(MAGIC);
        data.putString(namespace);
        data.putString("");
        data.putString(hashAlgorithm);
        data.putBytes(messageHash);
        return data.getCompactData();
    }
}
