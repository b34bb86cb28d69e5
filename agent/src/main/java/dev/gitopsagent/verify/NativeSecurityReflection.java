package dev.gitopsagent.verify;

import java.security.AlgorithmParameters;
import java.security.KeyFactory;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.Signature;
import java.security.cert.CertificateFactory;

import javax.crypto.Cipher;
import javax.crypto.KeyAgreement;
import javax.crypto.Mac;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * What Apache MINA SSHD's security layer looks up reflectively, declared for the native image (the JVM
 * needs none of it). MINA (SSH signature verification, SSH remotes) instantiates its provider registrars
 * and their providers by class name, reads {@code BouncyCastleProvider.PROVIDER_NAME} as a field, and
 * obtains every JCA object through {@code SecurityEntityFactory}, which finds the static
 * {@code getInstance(String)}, {@code getInstance(String, String)} or {@code getInstance(String, Provider)}
 * of the entity class with {@code getDeclaredMethod}: these are the nine entity classes
 * {@code SecurityUtils} passes to it. The net.i2p EdDSA provider is created at run time, so the builder
 * does not see its service classes, which the JCA instantiates by name.
 * <p>
 * A {@code BouncyCastleProvider} made at run time (OpenPGP verification uses its own) fills itself by
 * loading one {@code <family>$Mappings} class per algorithm family by name, and silently leaves out a
 * family whose class it cannot load. Quarkus registers only AES, EC, RSA and DRBG; these are the families
 * OpenPGP and SSH signatures (key types and digests) and SSH key exchange (DH, EC, X25519) can need.
 */
@RegisterForReflection(targets = {
        AlgorithmParameters.class,
        Cipher.class,
        CertificateFactory.class,
        KeyAgreement.class,
        KeyFactory.class,
        KeyPairGenerator.class,
        Mac.class,
        MessageDigest.class,
        Signature.class,
}, classNames = {
        "org.apache.sshd.common.util.security.SunJCESecurityProviderRegistrar",
        "org.apache.sshd.common.util.security.bouncycastle.BouncyCastleSecurityProviderRegistrar",
        "org.apache.sshd.common.util.security.eddsa.EdDSASecurityProviderRegistrar",
        "org.bouncycastle.jce.provider.BouncyCastleProvider",
        "net.i2p.crypto.eddsa.EdDSASecurityProvider",
        "net.i2p.crypto.eddsa.EdDSAEngine",
        "net.i2p.crypto.eddsa.KeyFactory",
        "net.i2p.crypto.eddsa.KeyPairGenerator",
        "org.bouncycastle.jcajce.provider.asymmetric.DH$Mappings",
        "org.bouncycastle.jcajce.provider.asymmetric.DSA$Mappings",
        "org.bouncycastle.jcajce.provider.asymmetric.EC$Mappings",
        "org.bouncycastle.jcajce.provider.asymmetric.EdEC$Mappings",
        "org.bouncycastle.jcajce.provider.asymmetric.RSA$Mappings",
        "org.bouncycastle.jcajce.provider.digest.RIPEMD160$Mappings",
        "org.bouncycastle.jcajce.provider.digest.SHA1$Mappings",
        "org.bouncycastle.jcajce.provider.digest.SHA224$Mappings",
        "org.bouncycastle.jcajce.provider.digest.SHA256$Mappings",
        "org.bouncycastle.jcajce.provider.digest.SHA3$Mappings",
        "org.bouncycastle.jcajce.provider.digest.SHA384$Mappings",
        "org.bouncycastle.jcajce.provider.digest.SHA512$Mappings",
})
final class NativeSecurityReflection {

    private NativeSecurityReflection() {
    }
}
