package dev.gitopsagent.verify;

import org.apache.sshd.common.util.security.SecurityProviderRegistrar;
import org.apache.sshd.common.util.security.SecurityUtils;

/**
 * Sets up Apache MINA SSHD's security providers for the running process. MINA registers every provider
 * it finds on the class path (net.i2p EdDSA, BouncyCastle) into the JCA once, and then looks them up
 * by name ({@code KeyFactory.getInstance("EdDSA", "EdDSA")}).
 * <p>
 * BouncyCastle is on the class path for OpenPGP, which uses its lightweight API and no JCA provider.
 * MINA does not need it either: the JDK has every algorithm SSH signatures and SSH remotes use
 * (RSA, ECDSA, DH, X25519) and net.i2p provides Ed25519. Kept out of the JCA, BouncyCastle's provider
 * with its thousands of algorithm classes stays out of the native image. The same switch
 * ({@code org.apache.sshd.registerBouncyCastle=false}) is given to the image builder ({@code META-INF/native-image/.../native-image.properties}) and to the
 * tests (surefire), so every build judges SSH signatures with the same code.
 * <p>
 * A Quarkus native image initializes classes at build time, so there MINA's registration happened in the
 * image builder's JCA, and the executable starts with MINA believing its providers registered while the
 * JCA has never heard of them. Registering again is a no-op for a provider the JCA already has, as on
 * the JVM.
 */
public final class JcaProviders {

    private JcaProviders() {
    }

    /** Before anything reads an SSH key: allowed_signers, SSH signatures, SSH remotes. */
    public static void registerSshProviders() {
        if (System.getProperty(SecurityUtils.REGISTER_BOUNCY_CASTLE_PROP) == null) {
            System.setProperty(SecurityUtils.REGISTER_BOUNCY_CASTLE_PROP, "false");
        }
        for (String name : SecurityUtils.getRegisteredProviders()) {
            SecurityProviderRegistrar.registerSecurityProvider(SecurityUtils.getRegisteredProvider(name));
        }
    }
}
