package dev.gitopsagent.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import dev.gitopsagent.testing.CommandLine;

import dev.gitopsagent.FileTrees;

/**
 * A fleet repository with a long history, made with {@code git fast-import} (seconds, not minutes)
 * and cached between runs: 50 hosts, each commit edits one host's configuration.
 */
final class LargeRepo {

    static final int HOSTS = 50;
    private static final long EPOCH = 1_600_000_000L;

    private LargeRepo() {
    }

    /** The cached bare repository with {@code commits} commits on main, created when missing. */
    static Path ensure(Path cache, int commits, Map<String, String> gitEnvironment) throws IOException {
        Path repo = cache.resolve("large-" + commits + ".git");
        Path complete = cache.resolve("large-" + commits + ".complete");
        if (Files.exists(complete)) {
            return repo;
        }
        FileTrees.deleteRecursively(repo);
        Files.createDirectories(cache);
        CommandLine.of("git", "init", "-q", "--bare", "-b", "main", repo.toString()).env(gitEnvironment).runChecked();
        StringBuilder stream = new StringBuilder(commits * 400);
        for (int i = 0; i < commits; i++) {
            appendCommit(stream, i, i == 0, false);
        }
        CommandLine.of("git", "fast-import", "--quiet").in(repo).env(gitEnvironment).stdin(stream.toString()).runChecked();
        // A server packs its repositories; fast-import's pack is not delta-compressed well.
        CommandLine.of("git", "repack", "-a", "-d", "-q").in(repo).env(gitEnvironment).runChecked();
        Files.writeString(complete, "");
        return repo;
    }

    /** Appends one more commit on main, as a push would. */
    static void addCommit(Path repo, int sequence, Map<String, String> gitEnvironment) {
        StringBuilder stream = new StringBuilder();
        appendCommit(stream, sequence, false, true);
        CommandLine.of("git", "fast-import", "--quiet").in(repo).env(gitEnvironment).stdin(stream.toString()).runChecked();
    }

    /**
     * Within one fast-import stream a branch continues from its last commit by itself; a later
     * import must name the existing tip ({@code fromRepository}).
     */
    private static void appendCommit(StringBuilder stream, int sequence, boolean first, boolean fromRepository) {
        String message = "host h" + host(sequence) + ": change " + sequence + "\n";
        stream.append("commit refs/heads/main\n")
                .append("committer Bench <bench@example.test> ").append(EPOCH + sequence * 60L).append(" +0000\n")
                .append("data ").append(message.length()).append('\n').append(message);
        if (first) {
            String flake = "{ outputs = { self, nixpkgs }: { }; }\n";
            stream.append("M 100644 inline flake.nix\ndata ").append(flake.length()).append('\n').append(flake);
            for (int host = 0; host < HOSTS; host++) {
                appendConfiguration(stream, host, sequence);
            }
        } else {
            if (fromRepository) {
                stream.append("from refs/heads/main^0\n");
            }
            appendConfiguration(stream, host(sequence), sequence);
        }
        stream.append('\n');
    }

    private static void appendConfiguration(StringBuilder stream, int host, int sequence) {
        String content = """
                { config, pkgs, lib, ... }:
                {
                  networking.hostName = "h%02d";
                  boot.loader.grub.device = "nodev";
                  fileSystems."/" = { device = "/dev/disk/by-label/nixos"; fsType = "ext4"; };
                  services.openssh.enable = true;
                  users.motd = "revision %d";
                  system.stateVersion = "24.05";
                }
                """.formatted(host, sequence);
        stream.append("M 100644 inline hosts/h").append(String.format("%02d", host)).append("/configuration.nix\n")
                .append("data ").append(content.length()).append('\n').append(content);
    }

    private static int host(int sequence) {
        return sequence % HOSTS;
    }
}
