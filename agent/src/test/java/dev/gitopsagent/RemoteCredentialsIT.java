package dev.gitopsagent;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.gitopsagent.testing.AgentProcess;
import dev.gitopsagent.testing.Fleet;
import dev.gitopsagent.testing.GitHttpServer;
import dev.gitopsagent.testing.TestKeys;
import dev.gitopsagent.testing.TlsCertificate;

/**
 * Repository credentials as an operator configures them, against real HTTPS Git servers on loopback
 * that record every Authorization header: each remote is sent only its own, and a rotated token is
 * picked up without anyone logging in.
 */
class RemoteCredentialsIT {

    @TempDir
    Path dir;

    private Fleet fleet;
    private TlsCertificate certificate;

    @BeforeEach
    void createFleet() {
        fleet = Fleet.create(dir.resolve("fleet"));
        certificate = TlsCertificate.generate(dir.resolve("tls"));
    }

    @AfterEach
    void closeFleet() {
        fleet.close();
    }

    @Test
    void theOriginsTokenNeverReachesAMirror() throws Exception {
        String first = fleet.pushSigned(TestKeys.trustedSsh(), "first configuration");
        try (GitHttpServer origin = GitHttpServer.startHttps(fleet.remote().getParent(), certificate);
                GitHttpServer mirror = GitHttpServer.startHttps(fleet.remote().getParent(), certificate)) {
            origin.requireBasicAuth("git", "origin-token");
            Map<String, String> properties = overHttps(origin, fleet.writeSecret("origin-token", "origin-token"));
            properties.put("gitops.repository.mirrors", mirror.url(Fleet.REPO).toString());

            try (AgentProcess agent = AgentProcess.start(dir.resolve("agent.log"), properties)) {
                agent.awaitStatus(status -> first.equals(status.path("deployedCommit").asText()));
                origin.stop();
                String next = fleet.pushChange("served by the mirror");

                agent.awaitStatus(status -> next.equals(status.path("deployedCommit").asText()));
            }

            assertThat(origin.authorizations()).isNotEmpty().containsOnly(GitHttpServer.basic("git", "origin-token"));
            assertThat(mirror.requestCount()).isPositive();
            assertThat(mirror.authorizations()).as("the mirror was configured with no credentials").isEmpty();
        }
    }

    /**
     * JGit would layer the host's {@code ~/.gitconfig} (and {@code /etc/gitconfig}) under the clone's
     * config; an {@code http.extraHeader} there would add a credential to every fetch, unseen in the
     * agent's configuration. The agent reads neither file.
     */
    @Test
    void theHostsGitConfigAddsNoCredentialToTheAgentsFetches() throws Exception {
        Path home = Files.createDirectories(dir.resolve("home"));
        String planted = GitHttpServer.basic("host", "from-gitconfig");
        Files.writeString(home.resolve(".gitconfig"), "[http]\n\textraHeader = Authorization: " + planted + "\n");
        String commit = fleet.pushSigned(TestKeys.trustedSsh(), "first configuration");
        Map<String, String> properties = fleet.agentProperties();
        properties.put("user.home", home.toString());

        try (AgentProcess agent = AgentProcess.start(dir.resolve("agent.log"), properties)) {
            agent.awaitStatus(status -> commit.equals(status.path("deployedCommit").asText()));
        }

        assertThat(fleet.server().requestCount()).as("the commit was fetched from the fleet's server").isPositive();
        assertThat(fleet.server().authorizations()).as("no credential was configured for this remote").isEmpty();
    }

    @Test
    void aRotatedTokenRestartsTheAgentWhichThenFetchesWithTheNewOne() throws Exception {
        String first = fleet.pushSigned(TestKeys.trustedSsh(), "first configuration");
        try (GitHttpServer origin = GitHttpServer.startHttps(fleet.remote().getParent(), certificate)) {
            origin.requireBasicAuth("git", "old-token");
            // As agenix lays secrets out: a stable path linked to the current generation's file.
            Path token = dir.resolve("run/agenix/gitops-token");
            Files.createDirectories(token.getParent());
            Files.createSymbolicLink(token, generation(1, "old-token"));
            Map<String, String> properties = overHttps(origin, token);

            try (AgentProcess agent = AgentProcess.start(dir.resolve("agent.log"), properties)) {
                agent.awaitStatus(status -> first.equals(status.path("deployedCommit").asText()));
                // The forge revokes the old token; the new one arrives as a new generation.
                origin.requireBasicAuth("git", "new-token");
                Files.delete(token);
                Files.createSymbolicLink(token, generation(2, "new-token"));

                assertThat(agent.awaitExit(Duration.ofSeconds(60))).isEqualTo(75);
                assertThat(agent.output()).contains("secret files changed; exiting with 75");
            }
            String next = fleet.pushChange("after the rotation");
            try (AgentProcess restarted = AgentProcess.start(dir.resolve("restarted.log"), properties)) {
                restarted.awaitStatus(status -> next.equals(status.path("deployedCommit").asText()));
            }
            assertThat(origin.authorizations()).contains(GitHttpServer.basic("git", "new-token"));
        }
    }

    private Map<String, String> overHttps(GitHttpServer origin, Path tokenFile) {
        Map<String, String> properties = fleet.agentProperties();
        properties.putAll(certificate.trustStoreProperties());
        properties.put("gitops.repository.url", origin.url(Fleet.REPO).toString());
        properties.put("gitops.repository.token-file", tokenFile.toString());
        return properties;
    }

    private Path generation(int number, String secret) throws Exception {
        Path file = dir.resolve("run/agenix.d/" + number + "/gitops-token");
        Files.createDirectories(file.getParent());
        Files.writeString(file, secret + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("r--------"));
        return file;
    }
}
