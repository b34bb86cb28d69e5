package dev.gitopsagent.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * This machine's real Nix (Debian's nix-bin) on a store of its own under a test directory: its own
 * store directory, database, logs and nix.conf (flakes on, no sandbox, no substituter, no
 * registry), so a test neither reads nor writes the host's /nix. No daemon is involved: the tests run
 * as root, and root opens a local store directly. {@link #command()} is a wrapper that sets this up
 * for anything that runs {@code nix}, such as the agent.
 *
 * <p>Also the CI of cache mode: {@link #publish} builds a toplevel, copies it to a {@code file://}
 * binary cache signed with a given key, and deletes it from the store again, so the host has to
 * fetch it.
 */
public final class PrivateNix {

    /** A binary cache signing key pair as Nix writes them. */
    public record SigningKey(Path secretKeyFile, String publicKey) {
    }

    private final Path root;
    private final Path command;
    private final Map<String, String> environment = new LinkedHashMap<>();

    private PrivateNix(Path root) {
        this.root = root;
        RequiredProgram.find("nix", "nix-bin");
        Path nix = root.resolve("nix");
        environment.put("NIX_STORE_DIR", nix.resolve("store").toString());
        environment.put("NIX_STATE_DIR", nix.resolve("var/nix").toString());
        environment.put("NIX_LOG_DIR", nix.resolve("var/log/nix").toString());
        environment.put("NIX_CONF_DIR", root.resolve("etc").toString());
        environment.put("NIX_REMOTE", "");
        environment.put("HOME", root.resolve("home").toString());
        environment.put("XDG_CACHE_HOME", root.resolve("home/.cache").toString());
        environment.put("GIT_CONFIG_GLOBAL", "/dev/null");
        environment.put("GIT_CONFIG_NOSYSTEM", "1");
        try {
            Files.createDirectories(root.resolve("home"));
            Files.createDirectories(root.resolve("etc"));
            Files.writeString(root.resolve("etc/nix.conf"), """
                    experimental-features = nix-command flakes
                    sandbox = false
                    build-users-group =
                    substituters =
                    flake-registry =
                    """);
            StringBuilder wrapper = new StringBuilder("#!/bin/sh\n# nix on the private store of a test\n");
            environment.forEach((name, value) -> wrapper.append("export ").append(name).append("='").append(value).append("'\n"));
            wrapper.append("exec nix \"$@\"\n");
            command = root.resolve("bin/nix");
            Files.createDirectories(command.getParent());
            Files.writeString(command, wrapper);
            Files.setPosixFilePermissions(command, PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static PrivateNix create(Path root) {
        return new PrivateNix(root);
    }

    /** The wrapper to give the agent as its nix command. */
    public Path command() {
        return command;
    }

    /** Where this store keeps its paths (store paths start with it). */
    public Path storeDir() {
        return Path.of(environment.get("NIX_STORE_DIR"));
    }

    public ProcessResult run(String... args) {
        String[] command = new String[args.length + 1];
        command[0] = this.command.toString();
        System.arraycopy(args, 0, command, 1, args.length);
        return CommandLine.of(command).in(root).run();
    }

    /** A new signing key pair ({@code nix key generate-secret}). */
    public SigningKey signingKey(String name) {
        try {
            Path secret = root.resolve("keys/" + name + ".sec");
            Files.createDirectories(secret.getParent());
            Files.writeString(secret, run("key", "generate-secret", "--key-name", name).orThrow().stdout());
            String publicKey = CommandLine.of(command.toString(), "key", "convert-secret-to-public").stdin(Files.readString(secret))
                    .run().orThrow().stdout().strip();
            return new SigningKey(secret, publicKey);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What CI does: builds the installable, pushes its closure to {@code cache} signed with {@code key}; returns the store path. */
    public String buildAndPush(String installable, Path cache, SigningKey key) {
        ProcessResult build = run("build", "--no-link", "--json", installable).orThrow();
        String toplevel = build.stdout().replaceAll("(?s).*\"out\":\"([^\"]+)\".*", "$1").strip();
        run("copy", "--to", "file://" + cache + "?secret-key=" + key.secretKeyFile(), toplevel).orThrow();
        return toplevel;
    }

    /** Builds and pushes like {@link #buildAndPush}, then deletes the path from this store: the host has not got it. */
    public String publish(String installable, Path cache, SigningKey key) {
        String toplevel = buildAndPush(installable, cache, key);
        delete(toplevel);
        return toplevel;
    }

    public void delete(String storePath) {
        run("store", "delete", storePath).orThrow();
    }

    public boolean isValid(String storePath) {
        return run("path-info", storePath).succeeded();
    }
}
