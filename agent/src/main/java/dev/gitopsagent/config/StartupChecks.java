package dev.gitopsagent.config;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import dev.gitopsagent.deploy.Action;

/** Checks that need the file system or several keys at once; each failure names its key. */
public final class StartupChecks {

    /** Produced once every check of the configuration passed. */
    public record Passed() {
    }

    private StartupChecks() {
    }

    /**
     * The HTTP port must be free before anything is deployed: an agent that cannot serve its status and
     * control API must not build or switch (another agent may be running there). Quarkus binds it only
     * after startup, and says so in several lines; this says it in one.
     */
    public static void httpPortFree(String host, int port) {
        if (port == 0) {
            return;
        }
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(host, port));
        } catch (IOException e) {
            throw new InvalidConfigException("gitops.http.port", port + " on " + host + " cannot be bound (" + e.getMessage()
                    + "): is another gitops-agent running? Stop it or choose another port");
        }
    }

    public static void durations(AgentConfig config) {
        positive(config.poll().interval(), "gitops.poll.interval");
        positive(config.deploy().timeout(), "gitops.deploy.timeout");
        positive(config.repository().timeout(), "gitops.repository.timeout");
        if (config.trust().maxClockSkew().isNegative()) {
            throw new InvalidConfigException("gitops.trust.max-clock-skew", "must not be negative");
        }
        if (config.rollout().soak().isNegative()) {
            throw new InvalidConfigException("gitops.rollout.soak", "must not be negative");
        }
        if (config.poll().jitter().isNegative()) {
            throw new InvalidConfigException("gitops.poll.jitter", "must not be negative");
        }
        if (config.poll().maxBackoff().compareTo(config.poll().interval()) < 0) {
            throw new InvalidConfigException("gitops.poll.max-backoff", "must be at least gitops.poll.interval");
        }
    }

    /** The rebuild command (and in cache mode nix) must exist unless nothing is ever run. */
    public static void rebuildCommand(AgentConfig config) {
        if (config.deploy().action() == Action.DRY_RUN) {
            return;
        }
        executable(config.deploy().command(), "gitops.deploy.command");
        if (config.deploy().cache().substituters().isPresent()) {
            executable(config.deploy().cache().nixCommand(), "gitops.deploy.cache.nix-command");
        }
    }

    private static void executable(String command, String key) {
        if (command.contains("/")) {
            if (!Files.isExecutable(Path.of(command))) {
                throw new InvalidConfigException(key, "names " + command + ", which is not an executable file");
            }
            return;
        }
        String path = System.getenv().getOrDefault("PATH", "");
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, command))) {
                return;
            }
        }
        throw new InvalidConfigException(key, "names " + command + ", which is not on PATH (" + path + ")");
    }

    /** The forge gate reads the statuses of the configured forge; without one it could never open. */
    public static void forgeGate(AgentConfig config) {
        if (config.rollout().forgeGate().minSuccesses().isPresent() && config.forge().isEmpty()) {
            throw new InvalidConfigException("gitops.rollout.forge-gate.min-successes",
                    "needs a forge to read commit statuses from: set gitops.forge.type, api-url, repository and token-file");
        }
        positive(config.rollout().forgeGate().checkInterval(), "gitops.rollout.forge-gate.check-interval");
    }

    /**
     * Cache mode is all or nothing: caches without keys would accept no closure (or, worse, the
     * host's own keys), and keys without caches would be silently ignored.
     */
    public static void cacheMode(AgentConfig config) {
        AgentConfig.Cache cache = config.deploy().cache();
        boolean caches = cache.substituters().filter(list -> !list.isEmpty()).isPresent();
        boolean keys = cache.trustedPublicKeys().filter(list -> !list.isEmpty()).isPresent();
        if (caches && !keys) {
            throw new InvalidConfigException("gitops.deploy.cache.trusted-public-keys",
                    "is required with gitops.deploy.cache.substituters: a closure is only used when one of these keys signed it");
        }
        if (keys && !caches) {
            throw new InvalidConfigException("gitops.deploy.cache.substituters",
                    "is required with gitops.deploy.cache.trusted-public-keys: without it cache mode is off and the keys would be ignored");
        }
        positive(cache.maxWait(), "gitops.deploy.cache.max-wait");
        positive(cache.checkInterval(), "gitops.deploy.cache.check-interval");
    }

    /** The high-water mark survives a lost state directory only if it lives outside it. */
    public static void highWaterMark(AgentConfig config) {
        Path mark = config.trust().highWaterMark();
        if (!mark.isAbsolute()) {
            throw new InvalidConfigException("gitops.trust.high-water-mark", "must be an absolute path, got " + mark);
        }
        if (mark.normalize().startsWith(config.stateDir().toAbsolutePath().normalize())) {
            throw new InvalidConfigException("gitops.trust.high-water-mark", "must be outside gitops.state-dir (" + config.stateDir()
                    + "): it must survive the loss of the state directory");
        }
    }

    private static void positive(Duration value, String key) {
        if (value.isZero() || value.isNegative()) {
            throw new InvalidConfigException(key, "must be a positive duration, got " + value);
        }
    }
}
