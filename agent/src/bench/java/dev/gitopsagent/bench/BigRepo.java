package dev.gitopsagent.bench;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import dev.gitopsagent.FileTrees;

/**
 * A fleet repository the size of a large real one: {@code files} files in {@code files / 100}
 * directories and {@code commits} commits, each editing one file, made with {@code git fast-import}
 * and repacked as a server would hold it. Generated once and cached (a minute or two); the history is
 * unsigned, so each run signs a head of its own on top with that run's key ({@link #signedHead}).
 */
final class BigRepo {

    static final String HOST = "web1";
    private static final long EPOCH = 1_600_000_000L;
    private static final int FILES_PER_DIRECTORY = 100;

    private BigRepo() {
    }

    /** The cached bare repository, created when missing. */
    static Path ensure(Path cache, int commits, int files, Map<String, String> gitEnvironment) throws IOException, InterruptedException {
        String name = "big-" + commits + "-" + files;
        Path repo = cache.resolve(name + ".git");
        Path complete = cache.resolve(name + ".complete");
        if (Files.exists(complete)) {
            return repo;
        }
        FileTrees.deleteRecursively(repo);
        Files.createDirectories(cache);
        Path stream = cache.resolve(name + ".fast-import");
        try (BufferedWriter out = Files.newBufferedWriter(stream, StandardCharsets.UTF_8)) {
            writeHistory(out, commits, files);
        }
        run(gitEnvironment, cache, "git", "init", "-q", "--bare", "-b", "main", repo.toString());
        run(gitEnvironment, repo, stream, "git", "fast-import", "--quiet");
        Files.delete(stream);
        // A server keeps its repositories packed with deltas; fast-import's pack has few.
        run(gitEnvironment, repo, "git", "repack", "-a", "-d", "-q", "--window=10", "--depth=50");
        Files.writeString(complete, "");
        return repo;
    }

    /**
     * Adds a commit signed with {@code signingConfig} (git {@code -c} options) on top of main that
     * edits this host's configuration, as the first deployable commit; returns its id.
     */
    static String signedHead(Path repo, List<String> signingConfig, Map<String, String> gitEnvironment, String motd)
            throws IOException, InterruptedException {
        String configuration = configuration(HOST, motd);
        String blob = output(gitEnvironment, repo, configuration, "git", "hash-object", "-w", "--stdin");
        Path index = repo.resolve("bench-index");
        Map<String, String> withIndex = new java.util.HashMap<>(gitEnvironment);
        withIndex.put("GIT_INDEX_FILE", index.toString());
        run(withIndex, repo, "git", "read-tree", "main");
        run(withIndex, repo, "git", "update-index", "--add", "--cacheinfo", "100644," + blob + ",hosts/" + HOST + "/configuration.nix");
        String tree = output(withIndex, repo, "", "git", "write-tree");
        Files.delete(index);
        List<String> commitTree = new java.util.ArrayList<>(List.of("git"));
        commitTree.addAll(signingConfig);
        commitTree.addAll(List.of("commit-tree", "-S", "-p", "main", "-m", "host " + HOST + ": " + motd, tree));
        String commit = output(gitEnvironment, repo, "", commitTree.toArray(String[]::new));
        run(gitEnvironment, repo, "git", "update-ref", "refs/heads/main", commit);
        return commit;
    }

    private static void writeHistory(BufferedWriter out, int commits, int files) throws IOException {
        for (int i = 0; i < commits; i++) {
            String message = i == 0 ? "fleet: import\n" : "change " + i + "\n";
            out.write("commit refs/heads/main\ncommitter Bench <bench@example.test> " + (EPOCH + i * 60L) + " +0000\n");
            out.write("data " + message.length() + "\n" + message);
            if (i == 0) {
                inline(out, "flake.nix", "{ outputs = { self, nixpkgs }: { }; }\n");
                inline(out, "hosts/" + HOST + "/configuration.nix", configuration(HOST, "initial"));
                for (int file = 0; file < files; file++) {
                    inline(out, path(file), module(file, 0));
                }
            } else {
                // A stride that is prime to the file count spreads edits over every directory.
                int file = (int) ((long) i * 7919 % files);
                inline(out, path(file), module(file, i));
            }
            out.write('\n');
        }
    }

    private static void inline(BufferedWriter out, String path, String content) throws IOException {
        byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
        out.write("M 100644 inline " + path + "\ndata " + bytes.length + "\n" + content);
    }

    private static String path(int file) {
        return String.format("modules/m%03d/f%03d.nix", file / FILES_PER_DIRECTORY, file % FILES_PER_DIRECTORY);
    }

    private static String module(int file, int revision) {
        return """
                { config, lib, pkgs, ... }:
                {
                  # module %d, revision %d
                  options.fleet.m%d.enable = lib.mkEnableOption "module %d";
                  config = lib.mkIf config.fleet.m%d.enable {
                    environment.etc."fleet/m%d".text = "revision %d";
                  };
                }
                """.formatted(file, revision, file, file, file, file, revision);
    }

    static String configuration(String host, String motd) {
        return """
                { config, pkgs, lib, ... }:
                {
                  networking.hostName = "%s";
                  boot.loader.grub.device = "nodev";
                  fileSystems."/" = { device = "/dev/disk/by-label/nixos"; fsType = "ext4"; };
                  users.motd = "%s";
                  system.stateVersion = "24.05";
                }
                """.formatted(host, motd);
    }

    private static void run(Map<String, String> environment, Path directory, String... command) throws IOException, InterruptedException {
        run(environment, directory, null, command);
    }

    /** Runs without the test harness's 60 s limit: repacking the big history takes longer on a busy machine. */
    private static void run(Map<String, String> environment, Path directory, Path stdin, String... command)
            throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.INHERIT);
        builder.environment().putAll(environment);
        if (stdin != null) {
            builder.redirectInput(stdin.toFile());
        }
        int exit = builder.start().waitFor();
        if (exit != 0) {
            throw new IllegalStateException(String.join(" ", command) + " exited " + exit);
        }
    }

    private static String output(Map<String, String> environment, Path directory, String stdin, String... command) {
        var result = dev.gitopsagent.testing.CommandLine.of(command).in(directory).env(environment).stdin(stdin).run();
        if (result.exitCode() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " exited " + result.exitCode() + ": " + result.stderr());
        }
        return result.stdout().trim();
    }
}
