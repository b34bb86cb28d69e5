package dev.gitopsagent.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigFingerprintTest {

    @TempDir
    Path dir;

    @Test
    void unchangedFilesKeepTheFingerprint() throws Exception {
        Path signers = Files.writeString(dir.resolve("allowed_signers"), "alice ssh-ed25519 AAAA\n");

        assertThat(ConfigFingerprint.of(List.of(signers)).changed()).isFalse();
    }

    @Test
    void aRotatedKeyChangesTheFingerprint() throws Exception {
        Path signers = Files.writeString(dir.resolve("allowed_signers"), "alice ssh-ed25519 AAAA\n");
        ConfigFingerprint startedWith = ConfigFingerprint.of(List.of(signers));

        Files.writeString(signers, "alice ssh-ed25519 BBBB\n");

        assertThat(startedWith.changed()).isTrue();
    }

    @Test
    void aRemovedFileChangesTheFingerprint() throws Exception {
        Path config = Files.writeString(dir.resolve("agent.properties"), "gitops.host=web1\n");
        ConfigFingerprint startedWith = ConfigFingerprint.of(List.of(config));

        Files.delete(config);

        assertThat(startedWith.changed()).isTrue();
    }
}
