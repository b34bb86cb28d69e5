package dev.gitopsagent.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The agent as an operator installs it on a {@link BootedHost}: the JVM build under
 * /opt/gitops-agent, the project's own unit with its drop-ins installed as systemd/README.md says,
 * configured through /etc/gitops-agent/agent.properties for the {@link Fleet}'s host (trusting
 * {@link TestKeys#trustedSsh()}), and the test host's nixos-rebuild (src/test/resources/real-host/nixos-rebuild).
 * Its HTTP port is on loopback, which this machine shares with the container.
 */
public final class InstalledAgent {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final Path dir;
    private final Fleet fleet;
    private final Path setup;
    private final int port;

    private InstalledAgent(Path dir, Fleet fleet) throws IOException {
        this.dir = dir;
        this.fleet = fleet;
        this.setup = Files.createDirectories(dir.resolve("setup"));
        this.port = AgentProcess.freePort();
        Files.writeString(setup.resolve("nixos-rebuild"), TestResources.text("/real-host/nixos-rebuild"));
        Files.writeString(setup.resolve("allowed_signers"), TestKeys.trustedSsh().allowedSignersLine("alice@example.test") + "\n");
    }

    /** Prepares the files to install under {@code dir}; nothing runs yet. */
    public static InstalledAgent prepare(Path dir, Fleet fleet) {
        try {
            return new InstalledAgent(dir, fleet);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Boots the host with the agent's build, the unit files, these setup files, .ci and the template
     * mounted read-only under /opt/gitops-agent/quarkus-app and /mnt, and prints what it runs.
     */
    public BootedHost boot(String hostName) {
        Path quarkusApp = AgentProcess.jar().getParent();
        Path systemd = Path.of(System.getProperty("systemd.dir", "../systemd")).toAbsolutePath().normalize();
        Path project = systemd.getParent();
        BootedHost host = BootedHost.boot(dir, hostName, Map.of(quarkusApp, "/opt/gitops-agent/quarkus-app", systemd, "/mnt/src/systemd",
                setup, "/mnt/setup", project.resolve(".ci"), "/mnt/src/ci", project.resolve("config-repo-template"),
                "/mnt/src/config-repo-template"));
        System.out.printf("booted host: %s, %s, %s%n", host.execChecked("nix", "--version").strip(),
                host.execChecked("systemctl", "--version").lines().findFirst().orElse(""),
                host.exec("java", "-version").stderr().lines().findFirst().orElse(""));
        return host;
    }

    /**
     * Installs and starts the agent on {@code host} as systemd/README.md says (JVM variant), with the
     * fleet's repository, fast polling and health checks plus {@code extra} properties, and waits until
     * it answers.
     */
    public void install(BootedHost host, Map<String, String> extra) {
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("gitops.repository.url", fleet.server().url(Fleet.REPO).toString());
        properties.put("gitops.host", Fleet.HOST);
        properties.put("gitops.trust.allowed-signers", "/etc/gitops-agent/trust/allowed_signers");
        properties.put("gitops.poll.interval", "2s");
        properties.put("gitops.poll.jitter", "0s");
        properties.put("gitops.poll.max-backoff", "5s");
        properties.put("gitops.health.deadline", "15s");
        properties.put("gitops.health.retry-interval", "1s");
        properties.put("gitops.http.port", Integer.toString(port));
        properties.putAll(extra);
        StringBuilder text = new StringBuilder();
        properties.forEach((key, value) -> text.append(key).append('=').append(value).append('\n'));
        try {
            Files.writeString(setup.resolve("agent.properties"), text.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        host.shell("""
                install -m 0755 /mnt/setup/nixos-rebuild /usr/local/sbin/nixos-rebuild
                install -m 0644 /mnt/src/systemd/gitops-agent.service /etc/systemd/system/
                install -D -m 0644 /mnt/src/systemd/gitops-agent.service.d/10-backoff.conf \\
                    /etc/systemd/system/gitops-agent.service.d/10-backoff.conf
                install -D -m 0644 /mnt/src/systemd/jvm/20-jvm.conf /etc/systemd/system/gitops-agent.service.d/20-jvm.conf
                install -d -m 0755 /etc/gitops-agent /etc/gitops-agent/trust
                install -m 0644 /mnt/setup/agent.properties /etc/gitops-agent/agent.properties
                install -m 0644 /mnt/setup/allowed_signers /etc/gitops-agent/trust/allowed_signers
                systemctl daemon-reload
                systemctl enable --now gitops-agent
                """);
        awaitStatus(host, "the agent answering on port " + port, status -> true, Duration.ofMinutes(2));
    }

    /**
     * Polls the agent's {@code GET /status} from this machine until it matches; fails with the agent's journal,
     * or at once when the host powered off or rebooted.
     */
    public JsonNode awaitStatus(BootedHost host, String what, Predicate<JsonNode> condition, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            if (!host.isRunning()) {
                throw new AssertionError("the host powered off or rebooted while waiting for " + what + "; last status: " + last
                        + "\nconsole:\n" + host.console());
            }
            try {
                HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/status"))
                        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                last = JSON.readTree(response.body());
                if (response.statusCode() == 200 && condition.test(last)) {
                    return last;
                }
            } catch (IOException e) {
                // Not up (yet, or again after a restart).
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            AgentProcess.sleep(500);
        }
        throw new AssertionError("waited " + timeout + " for " + what + "; last status: " + last + "\njournal:\n"
                + host.journal("gitops-agent.service") + "\n" + host.exec("journalctl", "--no-pager", "-n", "60").stdout());
    }
}
