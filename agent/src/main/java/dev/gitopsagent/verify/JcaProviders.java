package dev.gitopsagent.verify;

import org.apache.sshd.common.util.security.SecurityProviderRegistrar;
import org.apache.sshd.common.util.security.SecurityUtils;

/**
 * Puts Apache MINA SSHD's security providers (net.i2p EdDSA, BouncyCastle) into the JCA provider list
 * of the running process. MINA does this once, when {@code SecurityUtils} is initialized, and then looks
 * them up by name ({@code KeyFactory.getInstance("EdDSA", "EdDSA")}). A Quarkus native image initializes
 * classes at build time, so there that happened in the image builder's JCA, and the executable starts
 * with MINA believing its providers registered while the JCA has never heard of them. Registering again
 * is a no-op for a provider the JCA already has, as on the JVM.
 */
public final class JcaProviders {

    private JcaProviders() {
    }

    /** Before anything reads an SSH key: allowed_signers, SSH signatures, SSH remotes. */
    public static void registerSshProviders() {
        for (String name : SecurityUtils.getRegisteredProviders()) {
            SecurityProviderRegistrar.registerSecurityProvider(SecurityUtils.getRegisteredProvider(name));
        }
    }
}
