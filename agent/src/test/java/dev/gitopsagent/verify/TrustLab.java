package dev.gitopsagent.verify;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;

import dev.gitopsagent.testing.GpgKey;
import dev.gitopsagent.testing.ProcessResult;
import dev.gitopsagent.testing.SshKey;
import dev.gitopsagent.testing.WorkRepo;

/**
 * One attack scenario's world: a repository made by the real git, the keys the host trusts (as the
 * files an operator would configure), and both judges: the agent's {@link PathVerifier} and
 * {@code git verify-commit} with exactly the same trusted keys.
 */
final class TrustLab implements AutoCloseable {

    final Path dir;
    final WorkRepo repo;
    private final List<Path> openPgpFiles = new ArrayList<>();
    private final List<String> sshLines = new ArrayList<>();
    private final List<GpgKey> gpgKeys = new ArrayList<>();
    TrustSettings settings = TrustSettings.defaults();
    Optional<String> baseline = Optional.empty();

    TrustLab(Path dir) {
        this.dir = dir;
        this.repo = WorkRepo.init(dir.resolve("work"), "main");
    }

    /** The commit the host runs: the baseline, dated now, signed by nobody in particular (it is not re-verified). */
    TrustLab deployed() {
        baseline = Optional.of(repo.commitUnsigned("deployed"));
        return this;
    }

    GpgKey gpgKey(String name) {
        GpgKey key = GpgKey.generate(dir.resolve("gnupg-" + name), name, name + "@example.test");
        gpgKeys.add(key);
        return key;
    }

    /** Trusts the public key file as written (it may be tampered with), as gitops.trust.openpgp-keys. */
    TrustLab trustOpenPgp(Path keyFile) {
        openPgpFiles.add(keyFile);
        return this;
    }

    TrustLab trustOpenPgp(GpgKey key) {
        return trustOpenPgp(key.exportPublic(dir.resolve("trusted-" + openPgpFiles.size() + ".asc")));
    }

    /** Adds a line to the allowed_signers file, as gitops.trust.allowed-signers. */
    TrustLab trustSsh(String allowedSignersLine) {
        sshLines.add(allowedSignersLine);
        return this;
    }

    /** Adds a subkey with gpg ({@code --quick-add-key FPR <algo> <usage> <expiry>}) and returns its fingerprint. */
    static String addSubkey(GpgKey key, String algorithm, String usage, String... extra) {
        List<String> args = new ArrayList<>(List.of(extra));
        args.addAll(List.of("--quick-add-key", key.fingerprint(), algorithm, usage, "0"));
        GpgKey.gpg(key.gnupgHome(), args.toArray(String[]::new)).runChecked();
        return lastFingerprint(key);
    }

    static String lastFingerprint(GpgKey key) {
        String listing = GpgKey.gpg(key.gnupgHome(), "--with-colons", "--list-keys", key.fingerprint()).runChecked().stdout();
        String last = null;
        for (String line : listing.split("\n")) {
            if (line.startsWith("fpr:")) {
                last = line.split(":")[9];
            }
        }
        return last;
    }

    /** A gpg.program for signing from this key's home with extra gpg options (a faked clock, a digest algorithm). */
    Path gpgProgram(GpgKey key, String name, String options) {
        Path wrapper = dir.resolve("gpg-" + name + ".sh");
        try {
            Files.writeString(wrapper, "#!/bin/sh\nexec gpg --homedir '" + key.gnupgHome() + "' " + options + " \"$@\"\n");
            Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwx------"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return wrapper;
    }

    /** Stages everything, then {@code git commit -S} with this gpg.program and signing key (a fingerprint, with ! to force a subkey). */
    String commitOpenPgp(Path gpgProgram, String signingKey, String message) {
        repo.git("add", "-A");
        repo.git("-c", "gpg.format=openpgp", "-c", "gpg.program=" + gpgProgram, "-c", "user.signingkey=" + signingKey,
                "commit", "-q", "--allow-empty", "-S", "-m", message);
        return repo.head();
    }

    /** Stages everything, then {@code git commit -S} with an SSH key or certificate file as user.signingkey. */
    String commitSsh(Path signingKey, String message) {
        repo.git("add", "-A");
        repo.git("-c", "gpg.format=ssh", "-c", "user.signingkey=" + signingKey, "commit", "-q", "--allow-empty", "-S", "-m", message);
        return repo.head();
    }

    SignerSet hostSigners() {
        try {
            return TrustAnchors.of(openPgpFiles.isEmpty() ? OpenPgpKeyring.empty() : OpenPgpKeyring.load(openPgpFiles, "test"),
                    AllowedSigners.parse(String.join("\n", sshLines)));
        } catch (AllowedSigners.MalformedLineException e) {
            throw new IllegalStateException(e);
        }
    }

    PathVerdict agentVerdict(String candidate) {
        try (Repository repository = new FileRepositoryBuilder().setGitDir(repo.workTree().resolve(".git").toFile()).setMustExist(true)
                .build()) {
            return new PathVerifier(hostSigners(), settings, Clock.systemUTC()).verify(repository, baseline.map(ObjectId::fromString),
                    ObjectId.fromString(candidate));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code git verify-commit} on the candidate with the same trusted keys: gpg home and allowed_signers file. */
    ProcessResult gitVerdict(String candidate) {
        Path gpgProgram = GpgKey.verifierFor(dir.resolve("verify-gnupg"), openPgpFiles.toArray(Path[]::new));
        Path allowedSigners = SshKey.writeAllowedSigners(dir.resolve("allowed_signers"), sshLines.toArray(String[]::new));
        return repo.tryGit("-c", "gpg.program=" + gpgProgram, "-c", "gpg.ssh.allowedSignersFile=" + allowedSigners, "verify-commit",
                candidate);
    }

    @Override
    public void close() {
        gpgKeys.forEach(GpgKey::close);
        GpgKey.killAgent(dir.resolve("verify-gnupg"));
        repo.close();
    }
}
