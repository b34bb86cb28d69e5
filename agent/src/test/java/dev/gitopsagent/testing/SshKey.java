package dev.gitopsagent.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * An ed25519 key pair made by the real ssh-keygen, usable both to sign commits (gpg.format=ssh) and to log in to
 * {@link GitSshServer}.
 */
public record SshKey(Path privateKey, Path publicKey, String publicKeyLine) implements GitSigningKey {

    /** Generates {@code <dir>/id_ed25519} and {@code <dir>/id_ed25519.pub}; use one directory per key. */
    public static SshKey generate(Path dir, String comment) {
        try {
            Files.createDirectories(dir);
            Path privateKey = dir.resolve("id_ed25519");
            CommandLine.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", privateKey.toString())
                    .runChecked();
            Path publicKey = dir.resolve("id_ed25519.pub");
            return new SshKey(privateKey, publicKey, Files.readString(publicKey).trim());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code ssh-ed25519 AAAA...} without the comment. */
    public String keyTypeAndBlob() {
        String[] parts = publicKeyLine.split("\\s+");
        return parts[0] + " " + parts[1];
    }

    /** A line for an allowed_signers file that trusts this key for git signatures only. */
    public String allowedSignersLine(String principal) {
        return principal + " namespaces=\"git\" " + keyTypeAndBlob();
    }

    /** Writes an allowed_signers file (see ssh-keygen(1) ALLOWED SIGNERS) from lines made by {@link #allowedSignersLine}. */
    public static Path writeAllowedSigners(Path file, String... lines) {
        try {
            if (file.getParent() != null) {
                Files.createDirectories(file.getParent());
            }
            Files.writeString(file, String.join("\n", lines) + "\n");
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public List<String> gitSigningConfig() {
        // The private key path lets git call `ssh-keygen -Y sign` without an ssh-agent.
        return List.of("-c", "gpg.format=ssh", "-c", "user.signingkey=" + privateKey);
    }

    /** {@code -c} options for {@code git verify-commit} trusting the given allowed_signers file. */
    public static List<String> gitVerifyConfig(Path allowedSigners) {
        return List.of("-c", "gpg.format=ssh", "-c", "gpg.ssh.allowedSignersFile=" + allowedSigners);
    }
}
