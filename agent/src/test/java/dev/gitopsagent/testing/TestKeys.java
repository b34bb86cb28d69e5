package dev.gitopsagent.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Signing keys made once per test run with the real gpg and ssh-keygen: generating them per test
 * would only cost time, and no test changes a key.
 */
public final class TestKeys {

    private static final Path HOME = createHome();
    private static final SshKey TRUSTED_SSH = SshKey.generate(HOME.resolve("ssh-trusted"), "alice@example.test");
    private static final SshKey UNTRUSTED_SSH = SshKey.generate(HOME.resolve("ssh-untrusted"), "mallory@example.test");
    private static GpgKey trustedGpg;
    private static GpgKey untrustedGpg;
    private static GpgKey expiredGpg;

    private TestKeys() {
    }

    public static SshKey trustedSsh() {
        return TRUSTED_SSH;
    }

    public static SshKey untrustedSsh() {
        return UNTRUSTED_SSH;
    }

    public static synchronized GpgKey trustedGpg() {
        if (trustedGpg == null) {
            trustedGpg = GpgKey.generate(HOME.resolve("gpg-trusted"), "Alice", "alice@example.test");
        }
        return trustedGpg;
    }

    public static synchronized GpgKey untrustedGpg() {
        if (untrustedGpg == null) {
            untrustedGpg = GpgKey.generate(HOME.resolve("gpg-untrusted"), "Mallory", "mallory@example.test");
        }
        return untrustedGpg;
    }

    public static synchronized GpgKey expiredGpg() {
        if (expiredGpg == null) {
            expiredGpg = GpgKey.generateExpired(HOME.resolve("gpg-expired"), "Old Alice", "old-alice@example.test");
        }
        return expiredGpg;
    }

    private static Path createHome() {
        try {
            Path home = Files.createTempDirectory("gitops-test-keys");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                for (Path gnupgHome : new Path[] {home.resolve("gpg-trusted"), home.resolve("gpg-untrusted"), home.resolve("gpg-expired")}) {
                    if (Files.isDirectory(gnupgHome)) {
                        GpgKey.killAgent(gnupgHome);
                    }
                }
            }));
            return home;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
