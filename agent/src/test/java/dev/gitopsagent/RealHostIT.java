package dev.gitopsagent;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
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

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.gitopsagent.deploy.FlakeRef;
import dev.gitopsagent.testing.AgentProcess;
import dev.gitopsagent.testing.BootedHost;
import dev.gitopsagent.testing.Fleet;
import dev.gitopsagent.testing.ProcessResult;
import dev.gitopsagent.testing.SystemFlake;
import dev.gitopsagent.testing.TestKeys;
import dev.gitopsagent.testing.TestResources;

/**
 * The agent as an operator runs it, on a real host: a Debian 13 system booted with systemd as
 * PID 1 (see {@link BootedHost}), the Nix daemon, the project's own unit file with its hardening
 * and the JVM drop-in, configured through /etc/gitops-agent/agent.properties and started with
 * systemctl. Its nixos-rebuild (src/test/resources/real-host/nixos-rebuild) does what the real one
 * does with real Nix: nix build of the toplevel through the daemon, nix-env --set on the system
 * profile, switch-to-configuration in a transient unit through systemd-run. The fleet
 * ({@link SystemFlake}) defines real systemd units per commit.
 *
 * <p>One host is booted for the whole class; the scenarios run in order, each starting from the
 * system the previous one left, as on a real host. Run with {@code ./mvnw -B -pl agent verify -Preal-host}
 * (root, systemd-container, debootstrap; .ci/run does it on every run).
 */
@Tag("real-host")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RealHostIT {

    private static final String HOST = Fleet.HOST;
    private static final String CLONE = "/var/lib/gitops-agent/repo.git";
    private static final Duration DEPLOY = Duration.ofMinutes(3);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @TempDir
    static Path dir;
    private Fleet fleet;
    private BootedHost host;
    private int port;
    private String first;

    @BeforeAll
    void bootTheHostAndInstallTheAgentAsTheReadmeSays() throws IOException {
        fleet = Fleet.create(dir.resolve("fleet"));
        SystemFlake.write(fleet.work(), HOST);
        port = AgentProcess.freePort();

        Path setup = Files.createDirectories(dir.resolve("setup"));
        Files.writeString(setup.resolve("nixos-rebuild"), TestResources.text("/real-host/nixos-rebuild"));
        Files.writeString(setup.resolve("allowed_signers"), TestKeys.trustedSsh().allowedSignersLine("alice@example.test") + "\n");
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("gitops.repository.url", fleet.server().url(Fleet.REPO).toString());
        properties.put("gitops.host", HOST);
        properties.put("gitops.trust.allowed-signers", "/etc/gitops-agent/trust/allowed_signers");
        properties.put("gitops.poll.interval", "2s");
        properties.put("gitops.poll.jitter", "0s");
        properties.put("gitops.poll.max-backoff", "5s");
        properties.put("gitops.health.deadline", "15s");
        properties.put("gitops.health.retry-interval", "1s");
        properties.put("gitops.http.port", Integer.toString(port));
        StringBuilder text = new StringBuilder();
        properties.forEach((key, value) -> text.append(key).append('=').append(value).append('\n'));
        Files.writeString(setup.resolve("agent.properties"), text.toString());

        Path quarkusApp = AgentProcess.jar().getParent();
        Path systemd = Path.of(System.getProperty("systemd.dir", "../systemd")).toAbsolutePath().normalize();
        Path project = systemd.getParent();
        host = BootedHost.boot(dir, HOST, Map.of(quarkusApp, "/opt/gitops-agent/quarkus-app", systemd, "/mnt/src/systemd", setup,
                "/mnt/setup", project.resolve(".ci"), "/mnt/src/ci", project.resolve("config-repo-template"), "/mnt/src/config-repo-template"));
        System.out.printf("booted host: %s, %s, %s%n", host.execChecked("nix", "--version").strip(),
                host.execChecked("systemctl", "--version").lines().findFirst().orElse(""),
                host.exec("java", "-version").stderr().lines().findFirst().orElse(""));

        // systemd/README.md, JVM variant.
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
        awaitStatus("the agent answering on port " + port, status -> true, Duration.ofMinutes(2));
    }

    @AfterAll
    void powerOff() throws IOException {
        if (host != null) {
            Files.writeString(Path.of("target", "real-host-journal.txt"), host.exec("journalctl", "--no-pager", "-b").stdout());
            host.close();
        }
        if (fleet != null) {
            fleet.close();
        }
    }

    @Test
    @Order(1)
    void aSignedPushBecomesANewSystemGenerationAndItsUnitRuns() {
        first = fleet.pushSigned(TestKeys.trustedSsh(), "hello.service");

        JsonNode status = awaitStatus("first deployed", s -> first.equals(s.path("deployedCommit").asText()), DEPLOY);

        assertThat(status.path("runningCommit").asText()).isEqualTo(first);
        assertThat(host.execChecked("readlink", "/nix/var/nix/profiles/system").strip()).isEqualTo("system-1-link");
        assertThat(host.execChecked("cat", "/run/current-system/etc/gitops-agent/revision")).isEqualTo(first);
        assertThat(host.property("hello.service", "ActiveState")).isEqualTo("active");
        // Activation ran in nixos-rebuild's transient unit, started by PID 1 outside the agent's sandbox.
        assertThat(host.execChecked("cat", "/run/test-host/activations")).startsWith("switch ")
                .contains("nixos-rebuild-switch-to-configuration.service").doesNotContain("gitops-agent.service");
    }

    @Test
    @Order(2)
    void nixBuildsTheAgentsFlakeReferenceWithoutAWarning() {
        FlakeRef flake = new FlakeRef(Path.of(CLONE), "main", first, HOST);

        ProcessResult build = host.exec("env", "NIX_REMOTE=daemon", "nix", "build", "--no-link", "--print-out-paths",
                flake.url() + "#" + SystemFlake.toplevel(HOST));

        assertThat(build.succeeded()).as(build.stderr()).isTrue();
        assertThat(build.stderr()).doesNotContainIgnoringCase("warning");
        assertThat(build.stdout().strip()).isEqualTo(host.execChecked("readlink", "-f", "/run/current-system").strip());
        assertThat(host.execChecked("git", "--git-dir", CLONE, "symbolic-ref", "HEAD").strip()).isEqualTo("refs/heads/main");
    }

    @Test
    @Order(3)
    void anUnsignedPushIsRefusedAndNothingIsBuilt() {
        SystemFlake.unit(fleet.work(), HOST, "unsigned.service", "sleep infinity");
        String unsigned = fleet.pushUnsigned("unsigned.service");

        JsonNode status = awaitStatus("unsigned refused", s -> unsigned.equals(s.path("lastDecision").path("commit").asText()),
                DEPLOY);

        assertThat(status.path("lastDecision").path("outcome").asText()).isEqualTo("REFUSED");
        assertThat(status.path("lastError").path("reason").asText()).contains(unsigned).contains("not signed");
        assertThat(status.path("deployedCommit").asText()).isEqualTo(first);
        assertThat(host.execChecked("readlink", "/nix/var/nix/profiles/system").strip()).isEqualTo("system-1-link");
        assertThat(host.property("unsigned.service", "LoadState")).isEqualTo("not-found");

        fleet.work().resetHard(first);
        fleet.work().forcePush(fleet.remote());
    }

    @Test
    @Order(4)
    void aUnitThatFailsAfterTheSwitchMakesTheAgentRollBackByItself() {
        SystemFlake.unit(fleet.work(), HOST, "broken.service", "exit 3");
        String broken = fleet.pushSigned(TestKeys.trustedSsh(), "broken.service");

        JsonNode status = awaitStatus("broken rolled back", s -> broken.equals(s.path("lastDeployment").path("commit").asText()),
                DEPLOY);

        assertThat(status.path("lastDeployment").path("result").asText()).isEqualTo("FAILED");
        assertThat(status.path("lastDeployment").path("reason").asText()).contains("no failed units").contains("broken.service")
                .contains("switched back to " + first);
        // Generation 2 is the broken system, generation 3 the previous one again.
        assertThat(host.execChecked("readlink", "/nix/var/nix/profiles/system").strip()).isEqualTo("system-3-link");
        assertThat(host.execChecked("cat", "/run/current-system/etc/gitops-agent/revision")).isEqualTo(first);
        assertThat(host.execChecked("systemctl", "--failed", "--no-legend", "--plain").strip()).isEmpty();
        assertThat(host.property("hello.service", "ActiveState")).isEqualTo("active");
        assertThat(status.path("deployedCommit").asText()).isEqualTo(first);

        SystemFlake.removeUnit(fleet.work(), HOST, "broken.service");
    }

    @Test
    @Order(5)
    void anAgentKilledDuringABuildFinishesTheDeploymentAfterSystemdRestartsIt() {
        long restarts = automaticRestarts();
        SystemFlake.slowBuild(fleet.work(), HOST, 30);
        SystemFlake.unit(fleet.work(), HOST, "slow.service", "sleep infinity");
        String slow = fleet.pushSigned(TestKeys.trustedSsh(), "slow.service, slowly built");
        awaitStatus("building", s -> "building".equals(s.path("phase").asText()), DEPLOY);

        host.execChecked("systemctl", "kill", "--signal=SIGKILL", "gitops-agent.service");

        JsonNode status = awaitStatus("slow deployed after restart", s -> slow.equals(s.path("deployedCommit").asText()),
                DEPLOY.plusMinutes(2));
        assertThat(host.journal("gitops-agent.service")).contains("Main process exited, code=killed, status=9/KILL")
                .contains("previous run was interrupted while deploying " + slow);
        assertThat(automaticRestarts()).isEqualTo(restarts + 1);
        assertThat(status.path("runningCommit").asText()).isEqualTo(slow);
        assertThat(host.property("slow.service", "ActiveState")).isEqualTo("active");

        SystemFlake.fastBuild(fleet.work(), HOST);
    }

    @Test
    @Order(6)
    void aCommitThatChangesTheTrustFilesRestartsTheAgentThroughExit75() {
        long restarts = automaticRestarts();
        String rotated = TestKeys.trustedSsh().allowedSignersLine("alice@example.test") + "\n"
                + TestKeys.untrustedSsh().allowedSignersLine("bob@example.test") + "\n";
        SystemFlake.trustFile(fleet.work(), HOST, "allowed_signers", rotated);
        String trust = fleet.pushSigned(TestKeys.trustedSsh(), "trust bob");

        awaitStatus("trust deployed", s -> trust.equals(s.path("deployedCommit").asText()), DEPLOY);
        awaitRestarts(restarts + 1);
        awaitStatus("agent back after exit 75", s -> trust.equals(s.path("deployedCommit").asText()), Duration.ofMinutes(2));

        assertThat(host.journal("gitops-agent.service")).contains("status=75");
        assertThat(host.execChecked("cat", "/etc/gitops-agent/trust/allowed_signers")).isEqualTo(rotated);
    }

    @Test
    @Order(7)
    void printsTheExposureScoreOfTheRunningUnit() throws IOException {
        String security = host.execChecked("systemd-analyze", "security", "--no-pager", "gitops-agent.service");
        Files.writeString(Path.of("target", "real-host-security.txt"), security);
        System.out.println("systemd-analyze security gitops-agent.service (running, JVM drop-in):\n" + security);

        assertThat(security).contains("Overall exposure level for gitops-agent.service");
        assertThat(host.property("gitops-agent.service", "ActiveState")).isEqualTo("active");
    }

    /**
     * Restarts systemd made by itself (Restart=), from the journal: NRestarts would not do, as
     * activation's {@code systemctl reset-failed} sets it back to 0.
     */
    private long automaticRestarts() {
        return host.journal("gitops-agent.service").lines().filter(line -> line.contains("Scheduled restart job")).count();
    }

    @Test
    @Order(8)
    void theTemplatePassesNixFlakeCheckWithThisHostsNix() {
        ProcessResult check = host.exec("/mnt/src/ci/check-template-flake", "/mnt/src/config-repo-template");

        assertThat(check.succeeded()).as(check.stdout() + check.stderr()).isTrue();
        System.out.println("nix flake check on the template, offline stand-ins: passed with " + check.stdout().strip());
    }

    private void awaitRestarts(long expected) {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (automaticRestarts() < expected) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("gitops-agent was not restarted; journal:\n" + host.journal("gitops-agent.service"));
            }
            AgentProcess.sleep(500);
        }
    }

    /** Polls the agent's {@code GET /status} from this machine until it matches; fails with the agent's journal. */
    private JsonNode awaitStatus(String what, Predicate<JsonNode> condition, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
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
