package dev.gitopsagent.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.gitopsagent.TestAgent;
import dev.gitopsagent.config.InvalidConfigException;
import dev.gitopsagent.pipeline.OperatorActions.AfterRollback;
import dev.gitopsagent.testing.Await;
import dev.gitopsagent.testing.Fleet;
import dev.gitopsagent.testing.NotificationReceiver;
import dev.gitopsagent.testing.TlsCertificate;

/**
 * Hooks ({@code gitops.hooks.*}: real {@code sh} processes with the event in their environment, killed
 * at their timeout) and notification webhooks ({@code gitops.notify.<name>.*}: a real HTTP receiver on
 * loopback, in the generic, Slack and Matrix shapes, retried until delivered). Neither ever delays or
 * changes a deployment.
 */
class HooksTest extends DeployedFleetTest {

    private static final Duration PATIENCE = Duration.ofSeconds(30);
    private final ObjectMapper json = new ObjectMapper();

    @Test
    void runsTheSuccessHookWithTheEventCommitAndHostInItsEnvironment() throws Exception {
        Path out = dir.resolve("success.env");
        restartAgent(with(Map.of("gitops.hooks.on-success", "env | grep ^GITOPS_ | sort > " + out)));
        String commit = fleet.pushChange("hooked");

        assertThat(agent.reconcileOnLoop()).isEqualTo(new ReconcileOutcome.Deployed(commit, "switch"));

        Await.until(PATIENCE, () -> Files.exists(out) && read(out).contains("GITOPS_REASON"));
        assertThat(read(out).lines()).contains("GITOPS_EVENT=success", "GITOPS_COMMIT=" + commit, "GITOPS_HOST=" + Fleet.HOST,
                "GITOPS_ACTION=switch");
    }

    @Test
    void runsTheRefusalHookWithTheReasonAndTheRollbackHookAfterAnOperatorRollback() throws Exception {
        Path refusal = dir.resolve("refusal.env");
        Path rollback = dir.resolve("rollback.env");
        restartAgent(with(Map.of("gitops.hooks.on-refusal", "env | grep ^GITOPS_ > " + refusal,
                "gitops.hooks.on-rollback", "env | grep ^GITOPS_ > " + rollback)));
        fleet.pushChange("signed");
        agent.reconcileOnLoop();
        String unsigned = fleet.pushUnsigned("not signed at all");

        assertThat(agent.reconcileOnLoop()).isInstanceOf(ReconcileOutcome.Refused.class);
        Await.until(PATIENCE, () -> Files.exists(refusal) && read(refusal).contains("GITOPS_REASON"));
        assertThat(read(refusal)).contains("GITOPS_EVENT=refusal", "GITOPS_COMMIT=" + unsigned).containsPattern("GITOPS_REASON=refused .*not signed");

        assertThat(agent.actions().rollback(AfterRollback.STAY_SUSPENDED).done()).isTrue();
        Await.until(PATIENCE, () -> Files.exists(rollback) && read(rollback).contains("GITOPS_REASON"));
        assertThat(read(rollback)).contains("GITOPS_EVENT=rollback", "GITOPS_COMMIT=" + first)
                .contains("GITOPS_REASON=rolled back by operator from generation 2 to 1");
    }

    @Test
    void aHookThatHangsIsKilledAtItsTimeoutAndNeverHoldsUpTheDeployment() throws Exception {
        Path pid = dir.resolve("hook.pid");
        Path finished = dir.resolve("hook.finished");
        restartAgent(with(Map.of("gitops.hooks.on-success", "sleep 60 & echo $! > " + pid + "; wait; touch " + finished,
                "gitops.hooks.timeout", "2s")));
        String commit = fleet.pushChange("slow hook");

        assertThat(agent.reconcileOnLoop()).as("the reconcile returned while the hook sleeps").isEqualTo(new ReconcileOutcome.Deployed(commit, "switch"));
        Await.until(PATIENCE, () -> Files.exists(pid) && !read(pid).isBlank());
        long hook = Long.parseLong(read(pid).strip());

        Await.until(PATIENCE, () -> ProcessHandle.of(hook).map(process -> !process.isAlive()).orElse(true));
        assertThat(finished).as("killed, not finished").doesNotExist();
        String next = fleet.pushChange("after the slow hook");
        assertThat(agent.reconcileOnLoop()).isEqualTo(new ReconcileOutcome.Deployed(next, "switch"));
    }

    @Test
    void aDryRunRunsNoHook() throws Exception {
        Path out = dir.resolve("dry.env");
        try (NotificationReceiver receiver = NotificationReceiver.http()) {
            restartAgent(with(Map.of("gitops.deploy.action", "dry-run", "gitops.hooks.on-success", "touch " + out,
                    "gitops.notify.chat.url", receiver.url("/hook").toString())));
            String commit = fleet.pushChange("dry");

            assertThat(agent.reconcileOnLoop()).isEqualTo(new ReconcileOutcome.Deployed(commit, "dry-run"));

            // The notification, which changes nothing on the host, still goes out; the hook does not run.
            assertThat(receiver.next(PATIENCE)).isPresent();
            assertThat(out).doesNotExist();
        }
    }

    @Test
    void postsTheGenericSlackAndMatrixShapesAndRetriesAReceiverThatFails() throws Exception {
        TlsCertificate certificate = TlsCertificate.generate(dir.resolve("tls"));
        certificate.trustInThisJvm();
        Path token = fleet.writeSecret("matrix-token", "syt_matrix_token");
        try (NotificationReceiver plain = NotificationReceiver.http(); NotificationReceiver matrix = NotificationReceiver.https(certificate)) {
            plain.answer(503, 503);
            Map<String, String> properties = new HashMap<>(Map.of(
                    "gitops.notify.ops.url", plain.url("/generic").toString(),
                    "gitops.notify.chat.url", plain.url("/slack").toString(),
                    "gitops.notify.chat.format", "slack",
                    "gitops.notify.room.url", matrix.url("/_matrix/client/v3/rooms/!ops:example.org/send/m.room.message").toString(),
                    "gitops.notify.room.format", "matrix",
                    "gitops.notify.room.token-file", token.toString()));
            restartAgent(with(properties));
            String commit = fleet.pushChange("notified");

            assertThat(agent.reconcileOnLoop()).isEqualTo(new ReconcileOutcome.Deployed(commit, "switch"));

            // Two endpoints on the plain receiver; its first two answers are 503, so two deliveries are tried again.
            List<NotificationReceiver.Request> received = plain.take(4, PATIENCE);
            assertThat(received).hasSize(4);
            JsonNode generic = json.readTree(received.stream().filter(r -> r.path().equals("/generic")).reduce((a, b) -> b).orElseThrow().body());
            assertThat(generic.path("event").asText()).isEqualTo("success");
            assertThat(generic.path("host").asText()).isEqualTo(Fleet.HOST);
            assertThat(generic.path("commit").asText()).isEqualTo(commit);
            assertThat(generic.path("action").asText()).isEqualTo("switch");
            JsonNode slack = json.readTree(received.stream().filter(r -> r.path().equals("/slack")).reduce((a, b) -> b).orElseThrow().body());
            assertThat(slack.path("text").asText()).isEqualTo(Fleet.HOST + ": deployed " + commit.substring(0, 12) + " (switch)");
            assertThat(received).allSatisfy(request -> assertThat(request.authorization()).as("no token was configured for them").isNull());

            NotificationReceiver.Request message = matrix.next(PATIENCE).orElseThrow();
            assertThat(message.method()).isEqualTo("PUT");
            assertThat(message.path()).matches("/_matrix/client/v3/rooms/!ops:example.org/send/m.room.message/gitops-\\d+-\\d+");
            assertThat(message.authorization()).isEqualTo("Bearer syt_matrix_token");
            JsonNode body = json.readTree(message.body());
            assertThat(body.path("msgtype").asText()).isEqualTo("m.text");
            assertThat(body.path("body").asText()).contains(commit.substring(0, 12));
        }
    }

    @Test
    void aReceiverAnsweringWithoutEndHoldsUpNoLaterNotification() throws Exception {
        try (NotificationReceiver receiver = NotificationReceiver.http()) {
            receiver.answerWithoutEnd();
            restartAgent(with(Map.of("gitops.notify.ops.url", receiver.url("/generic").toString())));
            String first = fleet.pushChange("first");
            assertThat(agent.reconcileOnLoop()).isEqualTo(new ReconcileOutcome.Deployed(first, "switch"));
            String second = fleet.pushChange("second");
            assertThat(agent.reconcileOnLoop()).isEqualTo(new ReconcileOutcome.Deployed(second, "switch"));

            // One sender thread: had it read the endless answer to the end, as before, the second would never go out.
            List<NotificationReceiver.Request> received = receiver.take(2, PATIENCE);
            assertThat(received).hasSize(2);
            assertThat(json.readTree(received.get(1).body()).path("commit").asText()).isEqualTo(second);
        }
    }

    @Test
    void anAgentWithoutNotificationReceiversStartsNoHttpClient() throws Exception {
        Set<String> before = httpClientSelectorThreads();
        restartAgent(with(Map.of("gitops.hooks.on-success", "true")));
        String commit = fleet.pushChange("no receivers");

        assertThat(agent.reconcileOnLoop()).isEqualTo(new ReconcileOutcome.Deployed(commit, "switch"));
        // Each HTTP client keeps a selector thread (and a TLS context) for as long as it lives: an idle agent
        // with nothing to notify must not carry one.
        assertThat(httpClientSelectorThreads()).isSubsetOf(before);
    }

    @Test
    void aNotificationTokenFileOthersCanReadOrOnePlainHttpWouldCarryStopsStartupNamingTheKey() throws Exception {
        Path open = fleet.writeSecret("open-token", "t0ken");
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rw-r--r--"));
        Path closed = fleet.writeSecret("closed-token", "t0ken");

        assertThatThrownBy(() -> TestAgent.start(with(Map.of("gitops.notify.room.url", "https://127.0.0.1:1/send",
                "gitops.notify.room.token-file", open.toString()))))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("gitops.notify.room.token-file");
        assertThatThrownBy(() -> TestAgent.start(with(Map.of("gitops.notify.room.url", "http://127.0.0.1:1/send",
                "gitops.notify.room.token-file", closed.toString()))))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("gitops.notify.room.token-file")
                .hasMessageContaining("in the clear");
    }

    private Map<String, String> with(Map<String, String> extra) {
        Map<String, String> properties = fleet.agentProperties();
        properties.putAll(extra);
        return properties;
    }

    private static Set<String> httpClientSelectorThreads() {
        return Thread.getAllStackTraces().keySet().stream().map(Thread::getName).filter(name -> name.endsWith("-SelectorManager"))
                .collect(Collectors.toSet());
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (java.io.IOException e) {
            return "";
        }
    }
}
