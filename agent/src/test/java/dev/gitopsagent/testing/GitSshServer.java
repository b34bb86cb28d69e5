package dev.gitopsagent.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PublicKey;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.sshd.common.config.keys.AuthorizedKeyEntry;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.PublicKeyEntryResolver;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.server.SshServer;

/**
 * A real Git-over-SSH server on loopback (Apache MINA sshd): public-key login only, and the exec commands
 * {@code git-upload-pack '<path>'} / {@code git-receive-pack '<path>'} run the real git against repositories
 * under one root.
 *
 * <p>The host key is a fresh ed25519 key per server; {@link #writeKnownHosts} lets clients verify it strictly.
 */
public final class GitSshServer implements AutoCloseable {

    private final Path reposRoot;
    private final KeyPair hostKey;
    private final List<PublicKey> authorizedKeys = new CopyOnWriteArrayList<>();
    private final AtomicInteger protocolV2CommandCount = new AtomicInteger();
    private final ExecutorService pumps = Executors.newCachedThreadPool(new DaemonThreads("git-ssh-pump"));
    private final Path gitHome;
    private SshServer sshd;
    private int port;

    private GitSshServer(Path reposRoot, KeyPair hostKey, Path gitHome) {
        this.reposRoot = reposRoot;
        this.hostKey = hostKey;
        this.gitHome = gitHome;
    }

    public static GitSshServer start(Path reposRoot) {
        try {
            KeyPair hostKey = KeyUtils.generateKeyPair(KeyPairProvider.SSH_ED25519, 256);
            GitSshServer server = new GitSshServer(reposRoot.toAbsolutePath().normalize(), hostKey,
                    Files.createTempDirectory("git-ssh-home-"));
            server.listen(0);
            return server;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot generate an ed25519 host key", e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Lets the key in the given {@code .pub} (or authorized_keys) file log in, as any user. */
    public GitSshServer authorize(Path publicKeyFile) {
        try {
            for (AuthorizedKeyEntry entry : AuthorizedKeyEntry.readAuthorizedKeys(publicKeyFile)) {
                authorizedKeys.add(entry.resolvePublicKey(null, null, PublicKeyEntryResolver.FAILING));
            }
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("unusable public key in " + publicKeyFile, e);
        }
    }

    public URI url(String repoName) {
        return URI.create("ssh://git@127.0.0.1:" + port + "/" + repoName);
    }

    public int port() {
        return port;
    }

    /** {@code ssh-ed25519 AAAA...} of the host key. */
    public String hostKeyEntry() {
        return PublicKeyEntry.toString(hostKey.getPublic());
    }

    /** Writes (replacing the file) a known_hosts line {@code [127.0.0.1]:<port> ssh-ed25519 AAAA...}. */
    public Path writeKnownHosts(Path file) {
        try {
            if (file.getParent() != null) {
                Files.createDirectories(file.getParent());
            }
            Files.writeString(file, "[127.0.0.1]:" + port + " " + hostKeyEntry() + "\n");
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Git commands whose client asked for protocol v2 (SSH env request {@code GIT_PROTOCOL=version=2}). */
    public int protocolV2CommandCount() {
        return protocolV2CommandCount.get();
    }

    /** Stops listening and closes all sessions. */
    public synchronized void stop() {
        if (sshd != null) {
            try {
                sshd.stop(true);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } finally {
                sshd = null;
            }
        }
    }

    /** Listens again on the same port with the same host key. */
    public synchronized void restart() {
        if (sshd == null) {
            listen(port);
        }
    }

    @Override
    public synchronized void close() {
        stop();
        pumps.shutdownNow();
        WorkRepo.deleteRecursively(gitHome);
    }

    private void listen(int requestedPort) {
        SshServer server = SshServer.setUpDefaultServer();
        server.setHost("127.0.0.1");
        server.setPort(requestedPort);
        server.setKeyPairProvider(KeyPairProvider.wrap(hostKey));
        server.setPublickeyAuthenticator((user, key, session) ->
                authorizedKeys.stream().anyMatch(authorized -> KeyUtils.compareKeys(authorized, key)));
        server.setPasswordAuthenticator(null);
        server.setKeyboardInteractiveAuthenticator(null);
        server.setGSSAuthenticator(null);
        server.setHostBasedAuthenticator(null);
        server.setCommandFactory((channel, command) -> GitSshCommand.parse(command, reposRoot, gitHome, pumps, protocolV2CommandCount));
        try {
            server.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on 127.0.0.1:" + requestedPort, e);
        }
        this.sshd = server;
        this.port = server.getPort();
    }
}
