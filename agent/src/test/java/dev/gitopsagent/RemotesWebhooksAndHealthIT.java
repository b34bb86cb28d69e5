package dev.gitopsagent;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Map;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.gitopsagent.testing.AgentProcess;
import dev.gitopsagent.testing.Fleet;
import dev.gitopsagent.testing.GitHttpServer;
import dev.gitopsagent.testing.GitSshServer;
import dev.gitopsagent.testing.SshKey;
import dev.gitopsagent.testing.TestKeys;
import dev.gitopsagent.testing.TlsCertificate;

/**
 * The packaged agent (jar, or the native executable under -Pnative) as a process: both remote transports
 * with their credentials, both signature formats, a webhook waking the poller, and the health gate rolling
 * a broken switch back. These are the library paths (TLS, MINA SSHD, BouncyCastle) a native image must keep.
 */
class RemotesWebhooksAndHealthIT {

    private static final String WEBHOOK_SECRET = "webhook-secret-for-process-tests";

    @TempDir
    Path dir;

    @Test
    void deploysAnOpenPgpSignedCommitFetchedOverHttpsWithAToken() throws Exception {
        TlsCertificate tls = TlsCertificate.generate(dir.resolve("tls"));
        try (Fleet fleet = Fleet.create(dir.resolve("fleet")); GitHttpServer https = GitHttpServer.startHttps(fleet.remote().getParent(), tls)) {
            https.requireBasicAuth("gitops", "https-token");
            String commit = fleet.pushSigned(TestKeys.trustedGpg(), "signed with OpenPGP");
            Map<String, String> properties = fleet.agentProperties();
            properties.put("gitops.repository.url", https.url(Fleet.REPO).toString());
            properties.put("gitops.repository.username", "gitops");
            properties.put("gitops.repository.token-file", fleet.writeSecret("secrets/token", "https-token").toString());
            properties.putAll(tls.trustStoreProperties());

            try (AgentProcess agent = AgentProcess.start(dir.resolve("agent.log"), properties)) {
                var status = agent.awaitStatus(s -> commit.equals(s.path("deployedCommit").asText()));

                assertThat(status.path("signature").path("format").asText()).isEqualToIgnoringCase("openpgp");
                assertThat(fleet.host().runningRevision()).contains(commit);
            }
        }
    }

    @Test
    void deploysAnSshSignedCommitFetchedOverSshWithADeployKeyAndAPinnedHostKey() throws Exception {
        try (Fleet fleet = Fleet.create(dir.resolve("fleet"))) {
            SshKey deployKey = SshKey.generate(dir.resolve("deploy-key"), "gitops@web1");
            try (GitSshServer ssh = GitSshServer.start(fleet.remote().getParent()).authorize(deployKey.publicKey())) {
                String commit = fleet.pushSigned(TestKeys.trustedSsh(), "signed with SSH");
                Map<String, String> properties = fleet.agentProperties();
                properties.put("gitops.repository.url", ssh.url(Fleet.REPO).toString());
                properties.put("gitops.repository.ssh-key-file", deployKey.privateKey().toString());
                properties.put("gitops.repository.known-hosts-file", ssh.writeKnownHosts(dir.resolve("known_hosts")).toString());

                try (AgentProcess agent = AgentProcess.start(dir.resolve("agent.log"), properties)) {
                    var status = agent.awaitStatus(s -> commit.equals(s.path("deployedCommit").asText()));

                    assertThat(status.path("signature").path("format").asText()).isEqualToIgnoringCase("ssh");
                    assertThat(fleet.host().runningRevision()).contains(commit);
                }
            }
        }
    }

    @Test
    void aSignedWebhookWakesThePollerAndAForgedOneIsRefused() throws Exception {
        try (Fleet fleet = Fleet.create(dir.resolve("fleet"))) {
            String first = fleet.pushSigned(TestKeys.trustedSsh(), "first configuration");
            Map<String, String> properties = fleet.agentProperties();
            // Without the webhook, the next poll would be an hour away.
            properties.put("gitops.poll.interval", "1h");
            properties.put("gitops.poll.max-backoff", "2h");
            properties.put("gitops.webhook.secret-file", fleet.writeSecret("secrets/webhook", WEBHOOK_SECRET).toString());
            properties.put("gitops.webhook.min-interval", "0.2s");
            try (AgentProcess agent = AgentProcess.start(dir.resolve("agent.log"), properties)) {
                agent.awaitStatus(s -> first.equals(s.path("deployedCommit").asText()));
                String next = fleet.pushChange("announced by a webhook");
                String body = "{\"ref\":\"refs/heads/main\",\"after\":\"" + next + "\"}";

                assertThat(agent.send(webhook(agent, body, "sha256=" + hmac(body + " "))).statusCode()).isEqualTo(401);
                assertThat(agent.send(webhook(agent, body, "sha256=" + hmac(body))).statusCode()).isEqualTo(202);

                agent.awaitStatus(s -> next.equals(s.path("deployedCommit").asText()));
            }
        }
    }

    @Test
    void aSwitchWhoseHealthCheckFailsIsRolledBackToTheLastGoodCommit() throws Exception {
        try (Fleet fleet = Fleet.create(dir.resolve("fleet"))) {
            Path marker = fleet.writeFile("service-ok", "");
            String good = fleet.pushSigned(TestKeys.trustedSsh(), "first configuration");
            Map<String, String> properties = fleet.agentProperties();
            properties.put("gitops.health.commands", "test -e " + marker);
            try (AgentProcess agent = AgentProcess.start(dir.resolve("agent.log"), properties)) {
                agent.awaitStatus(s -> good.equals(s.path("deployedCommit").asText()));
                assertThat(marker.toFile().delete()).isTrue();
                String bad = fleet.pushChange("breaks the service");

                var status = agent.awaitStatus(s -> s.path("lastDecision").path("commit").asText().equals(bad)
                        && s.path("lastDecision").path("outcome").asText().equalsIgnoreCase("failed"));

                assertThat(status.path("deployedCommit").asText()).isEqualTo(good);
                assertThat(status.path("lastDecision").path("reason").asText()).contains("health check failed").contains("switched back to " + good);
                assertThat(fleet.host().runningRevision()).contains(good);
            }
        }
    }

    private static HttpRequest webhook(AgentProcess agent, String body, String signature) {
        return HttpRequest.newBuilder(agent.url("/webhook"))
                .header("X-GitHub-Event", "push").header("X-Hub-Signature-256", signature)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }

    private static String hmac(String body) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(WEBHOOK_SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return HexFormat.of().formatHex(mac.doFinal(body.getBytes(StandardCharsets.UTF_8)));
    }
}
