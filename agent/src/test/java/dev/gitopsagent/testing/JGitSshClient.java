package dev.gitopsagent.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.eclipse.jgit.api.TransportCommand;
import org.eclipse.jgit.transport.SshTransport;
import org.eclipse.jgit.transport.sshd.SshdSessionFactory;
import org.eclipse.jgit.transport.sshd.SshdSessionFactoryBuilder;

/**
 * JGit's Apache MINA SSH client pinned to one identity and one known_hosts file, with home and ~/.ssh redirected
 * to a scratch directory so the developer's real SSH config, keys and agent are never consulted.
 */
public final class JGitSshClient implements AutoCloseable {

    private final SshdSessionFactory factory;

    private JGitSshClient(SshdSessionFactory factory) {
        this.factory = factory;
    }

    public static JGitSshClient create(Path scratchDir, SshKey identity, Path knownHosts) {
        try {
            Path home = Files.createDirectories(scratchDir.resolve("home"));
            Path sshDir = Files.createDirectories(home.resolve(".ssh"));
            SshdSessionFactory factory = new SshdSessionFactoryBuilder()
                    .setHomeDirectory(home.toFile())
                    .setSshDirectory(sshDir.toFile())
                    .setDefaultIdentities(dir -> List.of(identity.privateKey()))
                    .setDefaultKnownHostsFiles(dir -> List.of(knownHosts))
                    .setPreferredAuthentications("publickey")
                    .build(null);
            return new JGitSshClient(factory);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public SshdSessionFactory sessionFactory() {
        return factory;
    }

    /** Applies this client to a JGit command, e.g. {@code client.configure(Git.cloneRepository())}. */
    public <C extends TransportCommand<C, ?>> C configure(C command) {
        return command.setTransportConfigCallback(transport -> ((SshTransport) transport).setSshSessionFactory(factory));
    }

    @Override
    public void close() {
        factory.close();
    }
}
