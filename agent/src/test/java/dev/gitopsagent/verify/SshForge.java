package dev.gitopsagent.verify;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Locale;

import org.apache.sshd.common.NamedResource;
import org.apache.sshd.common.signature.BuiltinSignatures;
import org.apache.sshd.common.signature.Signature;
import org.apache.sshd.common.util.buffer.ByteArrayBuffer;
import org.apache.sshd.common.util.security.SecurityUtils;

/**
 * An SSH signature (PROTOCOL.sshsig) over any hash algorithm, which {@code ssh-keygen -Y sign}
 * refuses to make: the weak-hash attack, made with the key ssh-keygen generated. Test-only.
 */
final class SshForge {

    private SshForge() {
    }

    /** Signs {@code payload} for namespace git with the ed25519 key in {@code privateKey}, hashing it with {@code hash} ("sha1"). */
    static byte[] sign(Path privateKey, String hash, byte[] payload) {
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
            ByteArrayBuffer signatureBlob = new ByteArrayBuffer();
            signatureBlob.putString("ssh-ed25519");
            signatureBlob.putBytes(signer.sign(null));
            ByteArrayBuffer publicKey = new ByteArrayBuffer();
            publicKey.putRawPublicKey(pair.getPublic());
            ByteArrayBuffer blob = new ByteArrayBuffer();
            blob.putRawBytes("SSHSIG".getBytes(StandardCharsets.US_ASCII));
            blob.putUInt(1);
            blob.putBytes(publicKey.getCompactData());
            blob.putString("git");
            blob.putString("");
            blob.putString(hash);
            blob.putBytes(signatureBlob.getCompactData());
            String base64 = Base64.getMimeEncoder(70, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(blob.getCompactData());
            return ("-----BEGIN SSH SIGNATURE-----\n" + base64 + "\n-----END SSH SIGNATURE-----\n").getBytes(StandardCharsets.US_ASCII);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
