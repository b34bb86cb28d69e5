package dev.gitopsagent.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * A digest of every file the agent read its configuration, trust and secrets from. A deployment can
 * change them (the NixOS module writes them from the fleet repository), and so can a secret rotation
 * (agenix); the agent compares digests after each reconcile and restarts to load the new ones,
 * because NixOS does not restart it mid-switch and a rotated token must not leave it polling with
 * a revoked one.
 */
public final class ConfigFingerprint {

    private final List<Path> files;
    private final byte[] digest;

    private ConfigFingerprint(List<Path> files) {
        this.files = List.copyOf(files);
        this.digest = digest(this.files);
    }

    public static ConfigFingerprint of(List<Path> files) {
        return new ConfigFingerprint(files);
    }

    /** The configuration file(s), the trust files and the secret files of this configuration. */
    public static ConfigFingerprint of(AgentConfig config) {
        List<Path> files = new ArrayList<>();
        String locations = Optional.ofNullable(System.getProperty("quarkus.config.locations"))
                .orElse(System.getenv().getOrDefault("QUARKUS_CONFIG_LOCATIONS", ""));
        for (String location : locations.split(",")) {
            String path = location.strip().replaceFirst("^file:", "");
            if (!path.isEmpty()) {
                files.add(Path.of(path));
            }
        }
        config.trust().openpgpKeys().ifPresent(files::addAll);
        config.trust().allowedSigners().ifPresent(files::add);
        credentialFiles(config.repository(), files);
        config.repository().mirrorCredentials().values().forEach(credentials -> credentialFiles(credentials, files));
        config.control().tokenFile().ifPresent(files::add);
        config.webhook().secretFile().ifPresent(files::add);
        config.forge().map(AgentConfig.Forge::tokenFile).ifPresent(files::add);
        config.notifications().values().forEach(notification -> notification.tokenFile().ifPresent(files::add));
        return new ConfigFingerprint(files);
    }

    private static void credentialFiles(AgentConfig.Credentials credentials, List<Path> files) {
        credentials.tokenFile().ifPresent(files::add);
        credentials.sshKeyFile().ifPresent(files::add);
        credentials.knownHostsFile().ifPresent(files::add);
    }

    /** True when any of the files now differs from what the agent started with. */
    public boolean changed() {
        return !Arrays.equals(digest, digest(files));
    }

    private static byte[] digest(List<Path> files) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (Path file : files) {
                sha.update(file.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                try {
                    sha.update(Files.readAllBytes(file));
                } catch (IOException e) {
                    // A file that disappeared or became unreadable counts as a change too.
                    sha.update((byte) 0);
                }
            }
            return sha.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is unavailable", e);
        }
    }
}
