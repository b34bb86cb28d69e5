package dev.gitopsagent.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * One operator's world for a test: a fleet repository served over real smart HTTP, a working clone
 * to commit and push from, trusted and untrusted signing keys, and the nixos-rebuild double that
 * stands for the host. {@link #agentProperties()} is the configuration an agent on host {@value #HOST}
 * would be given.
 */
public final class Fleet implements AutoCloseable {

    public static final String HOST = "web1";
    public static final String REPO = "fleet.git";

    private final Path root;
    private final Path remote;
    private final GitHttpServer server;
    private final WorkRepo work;
    private final NixosRebuildDouble rebuild;
    private final Path allowedSigners;
    private final Path openPgpKeys;

    private Fleet(Path root) {
        this.root = root;
        this.remote = WorkRepo.initBare(root.resolve("repos").resolve(REPO));
        this.server = GitHttpServer.start(root.resolve("repos"));
        this.work = WorkRepo.init(root.resolve("work"), "main");
        this.rebuild = NixosRebuildDouble.install(root.resolve("host"));
        this.allowedSigners = SshKey.writeAllowedSigners(root.resolve("trust/allowed_signers"),
                TestKeys.trustedSsh().allowedSignersLine("alice@example.test"));
        this.openPgpKeys = TestKeys.trustedGpg().exportPublic(root.resolve("trust/alice.asc"));
        SampleFlake.writeHost(work, HOST);
    }

    public static Fleet create(Path root) {
        return new Fleet(root);
    }

    public Map<String, String> agentProperties() {
        Map<String, String> properties = new HashMap<>();
        properties.put("gitops.repository.url", server.url(REPO).toString());
        properties.put("gitops.host", HOST);
        properties.put("gitops.state-dir", root.resolve("state").toString());
        properties.put("gitops.trust.high-water-mark", root.resolve("high-water/deployed").toString());
        properties.put("gitops.trust.allowed-signers", allowedSigners.toString());
        properties.put("gitops.trust.openpgp-keys", openPgpKeys.toString());
        properties.put("gitops.deploy.command", rebuild.executable().toString());
        properties.put("gitops.deploy.system-profile", rebuild.systemProfile().toString());
        properties.put("gitops.deploy.current-system", rebuild.currentSystem().toString());
        properties.put("gitops.deploy.timeout", "20s");
        properties.put("gitops.poll.interval", "1s");
        properties.put("gitops.poll.jitter", "0s");
        properties.put("gitops.poll.max-backoff", "2s");
        // No systemd in the test machine; health tests configure commands instead.
        properties.put("gitops.health.no-failed-units", "false");
        properties.put("gitops.health.deadline", "3s");
        properties.put("gitops.health.retry-interval", "0.2s");
        return properties;
    }

    /** Commits the working tree signed with {@code key} and pushes it; returns the commit id. */
    public String pushSigned(GitSigningKey key, String message) {
        String commit = work.commitSigned(key, message);
        work.push(remote);
        return commit;
    }

    /** Like {@link #pushSigned}, with the commit (and so its signed committer date) dated {@code at}. */
    public String pushSignedAt(GitSigningKey key, String message, Instant at) {
        String commit = work.dated(at.toString()).commitSigned(key, message);
        work.dated(null).push(remote);
        return commit;
    }

    /** A signed change to this host's configuration, committed at {@code at}. */
    public String pushChangeAt(String motd, Instant at) {
        SampleFlake.changeMotd(work, HOST, motd);
        return pushSignedAt(TestKeys.trustedSsh(), "motd: " + motd, at);
    }

    public String pushUnsigned(String message) {
        String commit = work.commitUnsigned(message);
        work.push(remote);
        return commit;
    }

    /** A signed commit that changes this host's configuration. */
    public String pushChange(String motd) {
        SampleFlake.changeMotd(work, HOST, motd);
        return pushSigned(TestKeys.trustedSsh(), "motd: " + motd);
    }

    public WorkRepo work() {
        return work;
    }

    public Path remote() {
        return remote;
    }

    public GitHttpServer server() {
        return server;
    }

    public NixosRebuildDouble host() {
        return rebuild;
    }

    public Path root() {
        return root;
    }

    public Path stateFile() {
        return root.resolve("state/state.json");
    }

    public Path writeFile(String relative, String content) {
        try {
            Path file = root.resolve(relative);
            Files.createDirectories(file.getParent());
            return Files.writeString(file, content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A secret (token, webhook key) in a file only its owner can read, as the agent requires. */
    public Path writeSecret(String relative, String content) {
        Path file = writeFile(relative, content + "\n");
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    @Override
    public void close() {
        server.close();
        work.close();
        rebuild.close();
    }
}
