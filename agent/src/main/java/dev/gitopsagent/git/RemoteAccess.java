package dev.gitopsagent.git;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.eclipse.jgit.errors.TransportException;
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
 * Credentials and limits, per remote: each remote gets only the token or SSH key configured for it
 * (a mirror is untrusted and must never see the primary forge's token), a token only over https://,
 * an SSH key only with a pinned known_hosts. Nothing is read from the user's ~/.ssh or ~/.git-credentials.
 */
public final class RemoteAccess implements AutoCloseable {

    /** What one remote is given. */
    private record Access(Optional<CredentialsProvider> https, Optional<SshdSessionFactory> ssh) {
    }

    private final Map<String, Access> byRemote;
    private final int timeoutSeconds;

    private RemoteAccess(Map<String, Access> byRemote, Duration timeout) {
        this.byRemote = Map.copyOf(byRemote);
        this.timeoutSeconds = (int) Math.max(1, timeout.toSeconds());
    }

    /** Reads and checks the credentials of every configured remote; each problem names its key. */
    public static RemoteAccess from(AgentConfig.Repository config, Path stateDir) {
        List<Remote> remotes = Remote.configured(config);
        for (String index : config.mirrorCredentials().keySet()) {
            if (!index.matches("[1-9][0-9]*") || Integer.parseInt(index) >= remotes.size()) {
                throw new InvalidConfigException("gitops.repository.mirror." + index,
                        "names no mirror: gitops.repository.mirrors lists " + (remotes.size() - 1) + " (counted from 1)");
            }
        }
        Map<String, Access> byRemote = new HashMap<>();
        for (int i = 0; i < remotes.size(); i++) {
            Remote remote = remotes.get(i);
            String prefix = i == 0 ? "gitops.repository." : "gitops.repository.mirror." + i + ".";
            AgentConfig.Credentials credentials = i == 0 ? config : config.mirrorCredentials().get(Integer.toString(i));
            byRemote.put(remote.name(), access(remote, credentials, prefix, stateDir));
        }
        return new RemoteAccess(byRemote, config.timeout());
    }

    private static Access access(Remote remote, AgentConfig.Credentials credentials, String prefix, Path stateDir) {
        Optional<Path> tokenFile = credentials == null ? Optional.empty() : credentials.tokenFile();
        Optional<Path> keyFile = credentials == null ? Optional.empty() : credentials.sshKeyFile();
        Optional<Path> knownHostsFile = credentials == null ? Optional.empty() : credentials.knownHostsFile();
        Optional<CredentialsProvider> https = Optional.empty();
        if (tokenFile.isPresent()) {
            if (!"https".equals(remote.uri().getScheme())) {
                throw new InvalidConfigException(prefix + "token-file", "is set, but " + remote + " is not an https:// remote: the token "
                        + ("http".equals(remote.uri().getScheme()) ? "would travel in the clear" : "cannot be used there")
                        + "; use https:// or remove the token");
            }
            https = Optional.of(new UsernamePasswordCredentialsProvider(credentials.username(),
                    ConfigFiles.readOwnerOnlySecret(tokenFile.get(), prefix + "token-file")));
        }
        if (!remote.isSsh()) {
            // An SSH key configured here is simply not used: only SSH transports are ever given one.
            return new Access(https, Optional.empty());
        }
        Path key = keyFile.orElseThrow(() -> new InvalidConfigException(prefix + "ssh-key-file", "is required for the SSH remote " + remote));
        Path knownHosts = knownHostsFile.orElseThrow(() -> new InvalidConfigException(prefix + "known-hosts-file",
                "is required for the SSH remote " + remote + ": the agent never trusts an unknown host key"));
        ConfigFiles.requireOwnerOnly(key, prefix + "ssh-key-file");
        ConfigFiles.requireReadable(knownHosts, prefix + "known-hosts-file");
        Path sshHome = stateDir.resolve("ssh");
        SshdSessionFactory ssh = new SshdSessionFactoryBuilder()
                .setHomeDirectory(sshHome.toFile())
                .setSshDirectory(sshHome.toFile())
                .setDefaultIdentities(dir -> List.of(key))
                .setDefaultKnownHostsFiles(dir -> List.of(knownHosts))
                .setPreferredAuthentications("publickey")
                .build(null);
        return new Access(https, Optional.of(ssh));
    }

    /** Gives the transport to {@code remote} that remote's credentials, and nothing else. */
    void apply(Remote remote, Transport transport) throws IOException {
        transport.setTimeout(timeoutSeconds);
        Access access = byRemote.getOrDefault(remote.name(), new Access(Optional.empty(), Optional.empty()));
        // Always set, even to nothing: JGit would otherwise fall back to a process-wide default provider.
        transport.setCredentialsProvider(access.https().orElse(null));
        if (transport instanceof SshTransport sshTransport) {
            // Without a configured key and known_hosts JGit would read ~/.ssh: refuse instead.
            sshTransport.setSshSessionFactory(access.ssh().orElseThrow(() -> new TransportException(remote.uri(),
                    "no SSH key and known_hosts are configured for this remote")));
        }
    }

    @Override
    public void close() {
        byRemote.values().forEach(access -> access.ssh().ifPresent(SshdSessionFactory::close));
    }
}
