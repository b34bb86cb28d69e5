package dev.gitopsagent.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An OpenPGP signing key made by the real gpg in an isolated home directory (never ~/.gnupg).
 *
 * <p>ed25519 keeps generation at a few milliseconds. Several keys may share one home. Closing the key stops the
 * gpg-agent that gpg spawned for the home, so no daemons outlive the tests.
 */
public final class GpgKey implements GitSigningKey, AutoCloseable {

    /** Expired keys are created at this (faked) instant, valid for one day. */
    static final String PAST_TIME = "20200101T000000!";
    /** A moment while the expired key was still valid: gpg refuses to sign with an expired key otherwise. */
    static final String SIGNING_TIME_WHILE_VALID = "20200101T120000!";

    private static final Pattern KEY_CREATED = Pattern.compile("\\[GNUPG:] KEY_CREATED \\w ([0-9A-F]{40})");

    private final Path gnupgHome;
    private final String userId;
    private final String fingerprint;
    private final Path signingProgram;
    private final boolean expired;

    private GpgKey(Path gnupgHome, String userId, String fingerprint, Path signingProgram, boolean expired) {
        this.gnupgHome = gnupgHome;
        this.userId = userId;
        this.fingerprint = fingerprint;
        this.signingProgram = signingProgram;
        this.expired = expired;
    }

    /** A key that never expires. */
    public static GpgKey generate(Path gnupgHome, String name, String email) {
        return create(gnupgHome, name, email, false);
    }

    /**
     * A key created on 2020-01-01 that expired a day later. Git can still sign with it (its gpg.program fakes the
     * clock back to 2020), so tests get commits whose signature was made by a now-expired key.
     */
    public static GpgKey generateExpired(Path gnupgHome, String name, String email) {
        return create(gnupgHome, name, email, true);
    }

    private static GpgKey create(Path gnupgHome, String name, String email, boolean expired) {
        prepareHome(gnupgHome);
        String userId = name + " <" + email + ">";
        // --status-fd reports the new key's fingerprint, even when the home already holds a key for this user id.
        CommandLine generate = expired
                ? gpg(gnupgHome, "--status-fd", "1", "--faked-system-time", PAST_TIME,
                        "--quick-gen-key", userId, "ed25519", "sign", "1d")
                : gpg(gnupgHome, "--status-fd", "1", "--quick-gen-key", userId, "ed25519", "sign", "0");
        String status = generate.runChecked().stdout();
        Matcher matcher = KEY_CREATED.matcher(status);
        if (!matcher.find()) {
            throw new IllegalStateException("no KEY_CREATED in gpg status output:\n" + status);
        }
        String fingerprint = matcher.group(1);
        Path program = expired
                ? writeWrapper(gnupgHome.resolve("gpg-at-" + fingerprint + ".sh"), gnupgHome,
                        "--faked-system-time " + SIGNING_TIME_WHILE_VALID + " ")
                : gpgProgramFor(gnupgHome);
        return new GpgKey(gnupgHome, userId, fingerprint, program, expired);
    }

    public String fingerprint() {
        return fingerprint;
    }

    /** The 16 hex digit long key id (the last 16 digits of the fingerprint), as gpg prints it in signatures. */
    public String longKeyId() {
        return fingerprint.substring(24);
    }

    public Path gnupgHome() {
        return gnupgHome;
    }

    /** {@code Name <email>} */
    public String userId() {
        return userId;
    }

    public boolean expired() {
        return expired;
    }

    /** Writes the ASCII-armored public key, e.g. for the agent's trusted-keys configuration. */
    public Path exportPublic(Path file) {
        String armored = gpg(gnupgHome, "--armor", "--export", fingerprint).runChecked().stdout();
        if (armored.isBlank()) {
            throw new IllegalStateException("gpg exported nothing for " + fingerprint);
        }
        write(file, armored);
        return file;
    }

    /** The ASCII-armored public key. */
    public String publicKeyArmored() {
        return gpg(gnupgHome, "--armor", "--export", fingerprint).runChecked().stdout();
    }

    /**
     * The program git runs to sign with this key: gpg bound to this home (and, for the expired key, to a clock
     * in 2020). Git passes only the key id, so the home must be baked in.
     */
    public Path signingProgram() {
        return signingProgram;
    }

    /** A gpg.program for {@code git verify-commit} against this home, with the real clock (expiry is visible). */
    public Path verifyingProgram() {
        return gpgProgramFor(gnupgHome);
    }

    @Override
    public List<String> gitSigningConfig() {
        return List.of(
                "-c", "gpg.format=openpgp",
                "-c", "gpg.program=" + signingProgram,
                "-c", "user.signingkey=" + fingerprint);
    }

    /** {@code -c} options for {@code git verify-commit}/{@code git log --show-signature} with this home's keyring. */
    public List<String> gitVerifyConfig() {
        return List.of("-c", "gpg.program=" + verifyingProgram());
    }

    /**
     * A fresh home holding only the given public key files, and a gpg.program bound to it: what {@code git verify-commit}
     * sees when it trusts exactly those files.
     */
    public static Path verifierFor(Path gnupgHome, Path... keyFiles) {
        prepareHome(gnupgHome);
        for (Path keyFile : keyFiles) {
            gpg(gnupgHome, "--import", keyFile.toString()).runChecked();
        }
        return gpgProgramFor(gnupgHome);
    }

    /** Stops the gpg-agent of this key's home (harmless if none runs; gpg restarts it on demand). */
    @Override
    public void close() {
        killAgent(gnupgHome);
    }

    /** Stops the gpg-agent (and any other gpg daemons) started for a home. */
    public static void killAgent(Path gnupgHome) {
        if (Files.isDirectory(gnupgHome)) {
            CommandLine.of("gpgconf", "--homedir", gnupgHome.toString(), "--kill", "all").run();
        }
    }

    @Override
    public String toString() {
        return "GpgKey[" + userId + ", " + fingerprint + (expired ? ", expired" : "") + "]";
    }

    /** gpg in batch mode on {@code gnupgHome}, for what the factories here do not cover (subkeys, revocations). */
    public static CommandLine gpg(Path gnupgHome, String... args) {
        List<String> command = new java.util.ArrayList<>(List.of(
                "gpg", "--homedir", gnupgHome.toString(), "--batch", "--no-tty",
                "--pinentry-mode", "loopback", "--passphrase", ""));
        command.addAll(List.of(args));
        return CommandLine.of(command).env("GNUPGHOME", gnupgHome.toString());
    }

    private static void prepareHome(Path gnupgHome) {
        try {
            Files.createDirectories(gnupgHome);
            // gpg warns about (and agents may refuse) group/world-readable homes.
            Files.setPosixFilePermissions(gnupgHome, PosixFilePermissions.fromString("rwx------"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path gpgProgramFor(Path gnupgHome) {
        Path wrapper = gnupgHome.resolve("gpg.sh");
        if (!Files.exists(wrapper)) {
            writeWrapper(wrapper, gnupgHome, "");
        }
        return wrapper;
    }

    private static Path writeWrapper(Path wrapper, Path gnupgHome, String extraOptions) {
        write(wrapper, "#!/bin/sh\n"
                + "# gpg bound to one test keyring; written by GpgKey\n"
                + "exec gpg --homedir '" + gnupgHome + "' " + extraOptions + "\"$@\"\n");
        try {
            Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwx------"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return wrapper;
    }

    private static void write(Path file, String content) {
        try {
            if (file.getParent() != null) {
                Files.createDirectories(file.getParent());
            }
            Files.writeString(file, content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
