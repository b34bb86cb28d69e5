package dev.gitopsagent;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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

import dev.gitopsagent.deploy.FlakeRef;
import dev.gitopsagent.deploy.ShellLine;
import dev.gitopsagent.testing.AgentProcess;
import dev.gitopsagent.testing.BootedHost;
import dev.gitopsagent.testing.Fleet;
import dev.gitopsagent.testing.InstalledAgent;
import dev.gitopsagent.testing.StaticHttpServer;
import dev.gitopsagent.testing.SystemFlake;
import dev.gitopsagent.testing.TestKeys;
import dev.gitopsagent.testing.TlsCertificate;

/**
 * Cache mode ({@code gitops.deploy.cache.*}) on a real host: the {@link BootedHost} with systemd as
 * PID 1 and the Nix daemon, the agent installed from the project's unit ({@link InstalledAgent}).
 * CI runs on the same container but with a Nix store of its own (no daemon, its own /nix in a mount
 * namespace of its own), so what it builds is never in the host's store: it builds the toplevel of
 * the signed commit from the forge, signs it with a key made by {@code nix key generate-secret} and
 * {@code nix copy}s it to a {@code file://} cache on the host's disk, or to one a plain web server on
 * loopback serves over HTTPS. The host's daemon fetches it, the agent activates the store path through
 * {@code systemd-run}, and a closure signed by a key the host does not trust is never used.
 *
 * <p>One host is booted for the whole class; the scenarios run in order, each starting from the
 * system the previous one left. Run with {@code ./mvnw -B -pl agent verify -Preal-host}.
 */
@Tag("real-host")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RealHostCacheModeIT {

    private static final String HOST = Fleet.HOST;
    private static final Duration DEPLOY = Duration.ofMinutes(3);
    private static final String FILE_CACHE = "/var/lib/ci/file-cache";
    private static final String HTTPS_CACHE = "/var/lib/ci/https-cache";
    private static final String CI_KEY = "ci.example.test-1";
    private static final String ROGUE_KEY = "rogue.example.test-1";
    private static final String CLONE = "/var/lib/gitops-agent/repo.git";
    /** The transient unit activation runs in, named as nixos-rebuild names it. */
    private static final String ACTIVATION_UNIT = "nixos-rebuild-switch-to-configuration.service";

    @TempDir
    static Path dir;
    private Fleet fleet;
    private BootedHost host;
    private InstalledAgent agent;
    private StaticHttpServer webServer;
    private Ci ci;
    /** What the last scenario deployed. */
    private Waiting previous;

    @BeforeAll
    void bootTheHostAndInstallTheAgentInCacheMode() {
        fleet = Fleet.create(dir.resolve("fleet"));
        SystemFlake.write(fleet.work(), HOST);
        agent = InstalledAgent.prepare(dir, fleet);
        host = agent.boot(HOST);
        ci = Ci.on(host, fleet);
        String trusted = ci.signingKey(CI_KEY);
        ci.signingKey(ROGUE_KEY);
        // A web server with a certificate from the operator's own CA, which the host trusts the Debian way.
        TlsCertificate tls = TlsCertificate.generate(dir.resolve("tls"));
        host.copyIn(tls.certificate(), "/usr/local/share/ca-certificates/fleet-cache.crt", "0644");
        host.execChecked("update-ca-certificates");
        webServer = StaticHttpServer.serveHttps(host.file(HTTPS_CACHE), tls);
        // The host trusts CI's key only; it never compiles: a closure missing for 10 minutes is refused.
        agent.install(host, Map.of("gitops.deploy.cache.substituters", "file://" + FILE_CACHE + "," + webServer.url(),
                "gitops.deploy.cache.trusted-public-keys", trusted,
                "gitops.deploy.cache.check-interval", "2s",
                "gitops.deploy.cache.max-wait", "10m",
                "gitops.deploy.cache.on-missing", "refuse"));
    }

    @AfterAll
    void powerOff() throws IOException {
        if (webServer != null) {
            webServer.close();
        }
        if (host != null) {
            Files.writeString(Path.of("target", "real-host-cache-journal.txt"), host.exec("journalctl", "--no-pager", "-b").stdout());
            host.close();
        }
        if (fleet != null) {
            fleet.close();
        }
    }

    @Test
    @Order(1)
    void aClosureCiPushesToAFileCacheIsFetchedAndItsStorePathActivatedInATransientUnit() {
        Waiting waiting = signedCommitWaitingForCache("hello.service");
        assertThat(inHostStore(waiting.toplevel())).as("CI built it in a store of its own").isFalse();

        ci.push(waiting.toplevel(), "file://" + FILE_CACHE, CI_KEY);

        assertFetchedFromAndActivated(waiting, "file://" + FILE_CACHE, "hello.service");
        FlakeRef verified = flake(waiting.commit());
        assertThat(host.journal("gitops-agent.service")).as("the verified commit's exact flake reference was evaluated")
                .contains(" eval --raw --no-update-lock-file --no-write-lock-file '" + verified.url() + "#");
    }

    @Test
    @Order(2)
    void aClosureServedOverHttpsByAWebServerOnLoopbackIsFetched() {
        Waiting waiting = signedCommitWaitingForCache("second.service");

        // Only the web server has it: the file cache, listed first, does not.
        ci.push(waiting.toplevel(), "file://" + HTTPS_CACHE, CI_KEY);

        assertFetchedFromAndActivated(waiting, webServer.url(), "second.service");
    }

    @Test
    @Order(3)
    void aCachedSystemWhoseUnitFailsIsRolledBackToThePreviousOneWithNothingBuilt() {
        Waiting broken = signedCommitWaitingForCache("broken.service", "exit 3");

        ci.push(broken.toplevel(), "file://" + FILE_CACHE, CI_KEY);

        JsonNode status = awaitStatus("broken rolled back", s -> broken.commit().equals(s.path("lastDeployment").path("commit").asText()));
        assertThat(status.path("lastDeployment").path("result").asText()).isEqualTo("FAILED");
        assertThat(status.path("lastDeployment").path("reason").asText()).contains("broken.service")
                .contains("switched back to " + previous.commit());
        assertThat(status.path("deployedCommit").asText()).isEqualTo(previous.commit());
        assertThat(host.execChecked("readlink", "-f", "/run/current-system").strip()).isEqualTo(previous.toplevel());
        assertThat(host.execChecked("systemctl", "--failed", "--no-legend", "--plain").strip()).isEmpty();
        String journal = host.journal("gitops-agent.service");
        assertThat(journal).contains("copying path '" + broken.toplevel() + "' from 'file://" + FILE_CACHE + "'")
                .contains("running: nixos-rebuild switch --flake " + ShellLine.of(List.of(flake(previous.commit()).toString())))
                .as("the previous system was in the store already").doesNotContain("building '");

        SystemFlake.removeUnit(fleet.work(), HOST, "broken.service");
    }

    @Test
    @Order(4)
    void aClosureSignedByAKeyTheHostDoesNotTrustIsNeverCopiedAndTheCommitWaits() {
        Waiting waiting = signedCommitWaitingForCache("rogue.service");
        String toplevel = waiting.toplevel();

        ci.push(toplevel, "file://" + FILE_CACHE, ROGUE_KEY);
        ci.push(toplevel, "file://" + HTTPS_CACHE, ROGUE_KEY);
        long looks = cacheLookups();
        awaitCacheLookups(looks + 2);

        JsonNode status = awaitWaitingForCache(waiting.commit());
        assertThat(status.path("rollout").path("waitReason").asText()).contains(toplevel).contains("signed by a trusted key");
        assertThat(status.path("deployedCommit").asText()).isNotEqualTo(waiting.commit());
        assertThat(inHostStore(toplevel)).as("the closure signed by %s was not copied", ROGUE_KEY).isFalse();
        assertThat(host.execChecked("readlink", "-f", "/run/current-system").strip()).isEqualTo(previous.toplevel());
        assertThat(host.property("rogue.service", "LoadState")).isEqualTo("not-found");
        assertThat(host.journal("gitops-agent.service")).as("Nix says why")
                .contains("ignoring substitute for '" + toplevel + "' from 'file://" + FILE_CACHE + "'")
                .contains("not signed by any of the keys in 'trusted-public-keys'")
                .doesNotContain("copying path '" + toplevel + "'");
    }

    /** A signed commit and the toplevel CI built for it, which the host is waiting to find in a cache. */
    private record Waiting(String commit, String toplevel) {
    }

    /** The agent's flake reference to {@code commit}: {@code shallow=1} while its first sync left the clone shallow (Nix 2.26). */
    private FlakeRef flake(String commit) {
        boolean shallow = host.exec("test", "-e", CLONE + "/shallow").succeeded();
        return new FlakeRef(Path.of(CLONE), "main", commit, HOST, shallow);
    }

    private Waiting signedCommitWaitingForCache(String unit) {
        return signedCommitWaitingForCache(unit, "sleep infinity");
    }

    /**
     * Pushes a signed commit that adds {@code unit} running {@code script}, waits until the agent waits
     * for its closure, and has CI build it (not push it yet).
     */
    private Waiting signedCommitWaitingForCache(String unit, String script) {
        SystemFlake.unit(fleet.work(), HOST, unit, script);
        String commit = fleet.pushSigned(TestKeys.trustedSsh(), unit);
        JsonNode status = awaitWaitingForCache(commit);
        String toplevel = ci.build(commit);
        assertThat(status.path("rollout").path("waitReason").asText()).as("the agent evaluated what CI built").contains(toplevel);
        return new Waiting(commit, toplevel);
    }

    /** Substituted from {@code cache}, nothing built, signed by CI, activated by store path, its unit running, /status says so. */
    private void assertFetchedFromAndActivated(Waiting waiting, String cache, String unit) {
        JsonNode status = awaitStatus("deployed from " + cache, s -> waiting.commit().equals(s.path("deployedCommit").asText()));
        assertThat(status.path("runningCommit").asText()).isEqualTo(waiting.commit());
        assertThat(status.path("rollout").path("waitingFor").isTextual()).as("nothing waits").isFalse();
        assertThat(host.journal("gitops-agent.service")).contains("copying path '" + waiting.toplevel() + "' from '" + cache + "'")
                .doesNotContain("building '");
        assertThat(host.execChecked("nix", "path-info", "--sigs", waiting.toplevel())).as("substituted, signed by CI").contains(CI_KEY + ":");
        assertActivatedInTheTransientUnit(waiting.toplevel());
        assertThat(host.property(unit, "ActiveState")).isEqualTo("active");
        previous = waiting;
    }

    private void assertActivatedInTheTransientUnit(String toplevel) {
        assertThat(host.execChecked("readlink", "-f", "/nix/var/nix/profiles/system").strip()).isEqualTo(toplevel);
        assertThat(host.execChecked("readlink", "-f", "/run/current-system").strip()).isEqualTo(toplevel);
        // The system's own switch-to-configuration logs the cgroup it ran in: PID 1's transient unit, not the agent's.
        assertThat(host.execChecked("cat", "/run/test-host/activations").lines().filter(line -> line.startsWith("switch " + toplevel + " ")))
                .singleElement().satisfies(line -> assertThat(line).contains(ACTIVATION_UNIT).doesNotContain("gitops-agent.service"));
        assertThat(host.execChecked("journalctl", "--no-pager", "-o", "cat", "-u", ACTIVATION_UNIT))
                .contains(toplevel + "/bin/switch-to-configuration switch");
    }

    private boolean inHostStore(String storePath) {
        return host.exec("nix-store", "--check-validity", storePath).succeeded();
    }

    /** The agent's look-ups in the caches so far: each is one logged substitute command. */
    private long cacheLookups() {
        return host.journal("gitops-agent.service").lines().filter(line -> line.contains("running: ") && line.contains(" --max-jobs 0 --option substituters "))
                .count();
    }

    private void awaitCacheLookups(long expected) {
        long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
        while (cacheLookups() < expected) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the agent did not look into the caches again; journal:\n" + host.journal("gitops-agent.service"));
            }
            AgentProcess.sleep(500);
        }
    }

    private JsonNode awaitWaitingForCache(String commit) {
        return awaitStatus("waiting for the cache", s -> "cache".equals(s.path("rollout").path("waitingFor").asText())
                && commit.equals(s.path("rollout").path("waitingCommit").asText()));
    }

    private JsonNode awaitStatus(String what, Predicate<JsonNode> condition) {
        return agent.awaitStatus(host, what, condition, DEPLOY);
    }

    /**
     * CI, on the host's machine but with a Nix store of its own: /var/lib/ci/nix is bind-mounted over
     * /nix in a mount namespace of its own (so store paths are the same /nix/store paths), and Nix
     * opens that store directly, without the host's daemon. It fetches the commit from the forge.
     */
    private record Ci(BootedHost host, Fleet fleet) {

        private static final String OWN_STORE = """
                mount --bind /var/lib/ci/nix /nix
                export NIX_REMOTE=local HOME=/var/lib/ci/home
                exec nix "$@"
                """;

        /** CI's store, and its two caches (each starts with the nix-cache-info Nix writes when it first opens one). */
        static Ci on(BootedHost host, Fleet fleet) {
            Ci ci = new Ci(host, fleet);
            host.shell("mkdir -p /var/lib/ci/nix /var/lib/ci/home " + FILE_CACHE + " " + HTTPS_CACHE);
            for (String cache : List.of(FILE_CACHE, HTTPS_CACHE)) {
                ci.nix("store", "info", "--store", "file://" + cache);
            }
            return ci;
        }

        /** {@code nix key generate-secret}; the secret stays in CI, the public key is returned. */
        String signingKey(String name) {
            String secret = "/var/lib/ci/" + name + ".sec";
            host.shell("nix key generate-secret --key-name '" + name + "' >" + secret);
            return host.execChecked("sh", "-c", "nix key convert-secret-to-public <" + secret).strip();
        }

        /** Builds the commit's toplevel from the forge; returns its store path. */
        String build(String commit) {
            String installable = "git+" + fleet.server().url(Fleet.REPO) + "?ref=refs/heads/main&rev=" + commit + "#"
                    + SystemFlake.toplevel(HOST);
            List<String> lines = nix("build", "--no-link", "--print-out-paths", "--no-write-lock-file", installable).lines().toList();
            return lines.get(lines.size() - 1).strip();
        }

        /** {@code nix copy}s the closure to {@code cache}, signed with the key made as {@code keyName}. */
        void push(String storePath, String cache, String keyName) {
            nix("copy", "--to", cache + "?secret-key=/var/lib/ci/" + keyName + ".sec", storePath);
        }

        private String nix(String... args) {
            List<String> command = new ArrayList<>(List.of("unshare", "--mount", "--propagation", "private", "--", "sh", "-euc",
                    OWN_STORE, "ci"));
            command.addAll(List.of(args));
            return host.execChecked(command.toArray(String[]::new));
        }
    }
}
