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
 * and their providers by class name, and obtains every JCA object through {@code SecurityEntityFactory}, which finds the static
 * {@code getInstance(String)}, {@code getInstance(String, String)} or {@code getInstance(String, Provider)}
 * of the entity class with {@code getDeclaredMethod}: these are the nine entity classes
 * {@code SecurityUtils} passes to it. The net.i2p EdDSA provider is created at run time, so the builder
 * does not see its service classes, which the JCA instantiates by name.
 * <p>
 * MINA's BouncyCastle registrar is created by name too, and then finds itself switched off
 * ({@link JcaProviders}).
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
        "net.i2p.crypto.eddsa.EdDSASecurityProvider",
        "net.i2p.crypto.eddsa.EdDSAEngine",
        "net.i2p.crypto.eddsa.KeyFactory",
        "net.i2p.crypto.eddsa.KeyPairGenerator",
})
final class NativeSecurityReflection {

    private NativeSecurityReflection() {
    }
}
