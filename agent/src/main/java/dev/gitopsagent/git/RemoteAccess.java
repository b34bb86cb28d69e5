package dev.gitopsagent.git;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import org.eclipse.jgit.transport.CredentialsProvider;
import org.eclipse.jgit.transport.SshTransport;
import org.eclipse.jgit.transport.Transport;
import org.eclipse.jgit.transport.UsernamePasswordCredentialsProvider;
import org.eclipse.jgit.transport.sshd.SshdSessionFactory;
import org.eclipse.jgit.transport.sshd.SshdSessionFactoryBuilder;

import dev.gitopsagent.config.AgentConfig;
import dev.gitopsagent.config.ConfigFiles;
import dev.gitopsagent.config.InvalidConfigException;

/**
 * Credentials and limits applied to every connection: an HTTPS token, an SSH key with a pinned
 * known_hosts, a network timeout. Nothing is read from the user's ~/.ssh or ~/.git-credentials.
 */
public final class RemoteAccess implements AutoCloseable {

    private final Optional<CredentialsProvider> httpsCredentials;
    private final Optional<SshdSessionFactory> ssh;
    private final int timeoutSeconds;

    private RemoteAccess(Optional<CredentialsProvider> httpsCredentials, Optional<SshdSessionFactory> ssh, Duration timeout) {
        this.httpsCredentials = httpsCredentials;
        this.ssh = ssh;
        this.timeoutSeconds = (int) Math.max(1, timeout.toSeconds());
    }

    public static RemoteAccess from(AgentConfig.Repository config, Path stateDir) {
        Optional<CredentialsProvider> token = config.tokenFile()
                .map(file -> new UsernamePasswordCredentialsProvider(config.username(), ConfigFiles.readSecret(file, "gitops.repository.token-file")));
        Optional<SshdSessionFactory> ssh = Optional.empty();
        if (config.sshKeyFile().isPresent() || config.knownHostsFile().isPresent()) {
            Path key = config.sshKeyFile().orElseThrow(() -> new InvalidConfigException("gitops.repository.ssh-key-file",
                    "is required when gitops.repository.known-hosts-file is set"));
            Path knownHosts = config.knownHostsFile().orElseThrow(() -> new InvalidConfigException("gitops.repository.known-hosts-file",
                    "is required with an SSH key: the agent never trusts an unknown host key"));
            ConfigFiles.requireReadable(key, "gitops.repository.ssh-key-file");
            ConfigFiles.requireReadable(knownHosts, "gitops.repository.known-hosts-file");
            Path sshHome = stateDir.resolve("ssh");
            ssh = Optional.of(new SshdSessionFactoryBuilder()
                    .setHomeDirectory(sshHome.toFile())
                    .setSshDirectory(sshHome.toFile())
                    .setDefaultIdentities(dir -> List.of(key))
                    .setDefaultKnownHostsFiles(dir -> List.of(knownHosts))
                    .setPreferredAuthentications("publickey")
                    .build(null));
        }
        return new RemoteAccess(token, ssh, config.timeout());
    }

    void apply(Transport transport) {
        transport.setTimeout(timeoutSeconds);
        httpsCredentials.ifPresent(transport::setCredentialsProvider);
        if (transport instanceof SshTransport sshTransport) {
            ssh.ifPresent(sshTransport::setSshSessionFactory);
        }
    }

    @Override
    public void close() {
        ssh.ifPresent(SshdSessionFactory::close);
    }
}
