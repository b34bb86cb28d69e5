package dev.gitopsagent.status;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import dev.gitopsagent.testing.Await;
import dev.gitopsagent.testing.Fleet;
import dev.gitopsagent.testing.FleetResource;
import dev.gitopsagent.testing.TestKeys;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;

/** The agent's HTTP surface with real requests: status, metrics, health, control, webhooks. */
@QuarkusTest
@Tag("quarkus")
@QuarkusTestResource(value = FleetResource.class, restrictToAnnotatedClass = true)
class HttpApiTest {

    private static final Duration PATIENCE = Duration.ofSeconds(20);
    private static final String BEARER = "Bearer " + FleetResource.CONTROL_TOKEN;

    /**
     * Every test starts from the same place, whatever the one before did: deployments active, and the
     * branch head deployed and decided (a head an earlier test left refused is reset away).
     */
    @BeforeEach
    void startFromTheDeployedHead() {
        Await.until(PATIENCE, () -> deployedCommitOrNull() != null);
        given().header("Authorization", BEARER).post("/control/resume").then().statusCode(200);
        String deployed = deployedCommitOrNull();
        Fleet fleet = FleetResource.fleet();
        if (!fleet.work().head().equals(deployed)) {
            fleet.work().resetHard(deployed);
            fleet.work().forcePush(fleet.remote());
        }
        given().header("Authorization", BEARER).post("/control/trigger").then().statusCode(200);
        Await.until(PATIENCE, () -> deployed.equals(given().get("/status").path("lastDecision.commit"))
                && "DEPLOYED".equals(given().get("/status").path("lastDecision.outcome"))
                && "idle".equals(given().get("/status").path("phase")));
    }

    @Test
    void statusReportsWhatIsDeployedAndWhoSignedIt() {
        given().get("/status").then()
                .statusCode(200)
                .contentType(ContentType.JSON)
                .body("host", equalTo("web1"))
                .body("branch", equalTo("main"))
                .body("action", equalTo("switch"))
                .body("signature.format", equalTo("ssh"))
                .body("signature.signer", equalTo("alice@example.test"))
                .body("systemGeneration.number", org.hamcrest.Matchers.greaterThanOrEqualTo(1))
                .body("runningCommit", equalTo(deployedCommitOrNull()))
                .body("lastDeployment.result", equalTo("SUCCEEDED"))
                .body("remoteHeadCommittedAt", org.hamcrest.Matchers.notNullValue())
                .body("stale", equalTo(false));
    }

    @Test
    void controlEndpointsRefuseRequestsWithoutTheToken() {
        given().post("/control/suspend").then().statusCode(401).header("WWW-Authenticate", containsString("Bearer"));
        given().header("Authorization", "Bearer wrong").post("/control/suspend").then().statusCode(401);
        given().header("Authorization", "Basic " + FleetResource.CONTROL_TOKEN).post("/control/trigger").then().statusCode(401);
        given().get("/status").then().statusCode(200).body("suspended", equalTo(false));
    }

    @Test
    void suspendIsVisibleInStatusAndMetricsUntilResumed() {
        given().header("Authorization", BEARER).queryParam("reason", "maintenance window").post("/control/suspend").then()
                .statusCode(200).body("done", equalTo(true));

        given().get("/status").then().body("suspended", equalTo(true)).body("suspension.reason", equalTo("maintenance window"));
        given().get("/q/metrics").then().body(containsString("gitops_suspended 1.0"));

        given().header("Authorization", BEARER).post("/control/resume").then().statusCode(200);
        given().get("/status").then().body("suspended", equalTo(false));
    }

    @Test
    void rolloutOverridesNeedTheTokenAndShowInStatusAndMetrics() {
        given().post("/control/deploy-now").then().statusCode(401);
        given().header("Authorization", "Bearer wrong").post("/control/skip-window").then().statusCode(401);

        given().header("Authorization", BEARER).post("/control/skip-window").then().statusCode(200)
                .body("action", equalTo("skip-window")).body("done", equalTo(true));

        given().get("/status").then().body("rollout.wave", equalTo(0)).body("rollout.waveDerived", equalTo(true))
                .body("rollout.override", equalTo("skip-window")).body("rollout.waitingFor", org.hamcrest.Matchers.nullValue());
        given().get("/q/metrics").then().body(containsString("gitops_rollout_wave 0.0"))
                .body(containsString("gitops_rollout_waiting{reason=\"halt\"} 0.0"));
    }

    @Test
    void retryWithNothingFailedSaysSo() {
        given().header("Authorization", BEARER).post("/control/retry").then().statusCode(409)
                .body("message", containsString("nothing to retry"));
    }

    @Test
    void githubWebhookWithValidSignatureDeploysTheNewCommitWithoutWaitingForThePoll() {
        String next = FleetResource.fleet().pushChange("via github webhook");
        String body = "{\"ref\":\"refs/heads/main\",\"after\":\"" + next + "\"}";

        given().header("X-GitHub-Event", "push").header("X-Hub-Signature-256", "sha256=" + hmac(body)).body(body)
                .post("/webhook").then().statusCode(202);

        Await.until(PATIENCE, () -> next.equals(deployedCommitOrNull()));
    }

    @Test
    void giteaForgejoAndGenericSignaturesAndGitlabTokenEachWakeThePoller() {
        String body = "{\"ref\":\"refs/heads/main\"}";
        List<Map<String, String>> senders = List.of(Map.of("X-Gitea-Signature", hmac(body)), Map.of("X-Forgejo-Signature", hmac(body)),
                Map.of("X-Signature-256", "sha256=" + hmac(body)), Map.of("X-Gitlab-Token", FleetResource.WEBHOOK_SECRET));
        for (Map<String, String> headers : senders) {
            String before = lastPollAt();

            given().headers(headers).body(body).post("/webhook").then().statusCode(202);

            Await.until(PATIENCE, () -> !before.equals(lastPollAt()));
        }
    }

    @Test
    void webhookWithBadOrMissingSignatureIsRefusedAndPollsNothing() {
        String before = lastPollAt();
        String body = "{\"ref\":\"refs/heads/main\"}";
        given().header("X-Hub-Signature-256", "sha256=" + hmac(body + " ")).body(body).post("/webhook").then().statusCode(401)
                .body("message", containsString("does not match"));
        given().header("X-Hub-Signature-256", hmac(body)).body(body).post("/webhook").then().statusCode(401);
        given().header("X-Gitlab-Token", "guess").body(body).post("/webhook").then().statusCode(401);
        given().body(body).post("/webhook").then().statusCode(401).body("message", containsString("no signature header"));

        assertNoPollSince(before);
    }

    @Test
    void webhookForAnotherBranchDoesNotWakeThePoller() {
        String before = lastPollAt();
        String body = "{\"ref\":\"refs/heads/feature\"}";
        given().header("X-Hub-Signature-256", "sha256=" + hmac(body)).body(body).post("/webhook").then().statusCode(202)
                .body("message", containsString("ignored"));

        assertNoPollSince(before);
    }

    @Test
    void webhookForTheTestingBranchWakesThePoller() {
        String before = lastPollAt();
        String body = "{\"ref\":\"refs/heads/testing-web1\"}";
        given().header("X-Hub-Signature-256", "sha256=" + hmac(body)).body(body).post("/webhook").then().statusCode(202)
                .body("message", org.hamcrest.Matchers.not(containsString("ignored")));

        Await.until(PATIENCE, () -> !before.equals(lastPollAt()));
    }

    @Test
    void oversizedWebhookBodyIsRefusedAndPollsNothing() {
        String before = lastPollAt();
        String body = "x".repeat(70_000);
        given().header("X-Hub-Signature-256", "sha256=" + hmac(body)).body(body).post("/webhook").then().statusCode(413)
                .body("message", containsString("max-body-bytes"));

        assertNoPollSince(before);
    }

    @Test
    void anUnknownPathAnswersJsonNotABarePage() {
        given().get("/no-such-endpoint").then().statusCode(404).contentType(ContentType.JSON).body("message", notNullValue());
        given().header("Authorization", BEARER).get("/control/trigger").then().statusCode(405).contentType(ContentType.JSON)
                .body("message", notNullValue());
    }

    @Test
    void unsignedCommitPushedThroughWebhookIsRefusedWithTheReasonInStatus() {
        String deployed = deployedCommitOrNull();
        dev.gitopsagent.testing.SampleFlake.changeMotd(FleetResource.fleet().work(), "web1", "unsigned");
        String unsigned = FleetResource.fleet().pushUnsigned("unsigned change");
        String body = "{\"ref\":\"refs/heads/main\"}";

        given().header("X-Hub-Signature-256", "sha256=" + hmac(body)).body(body).post("/webhook").then().statusCode(202);

        Await.until(PATIENCE, () -> unsigned.equals(given().get("/status").path("lastDecision.commit")));
        given().get("/status").then()
                .body("lastDecision.outcome", equalTo("REFUSED"))
                .body("lastDecision.reason", containsString("not signed"))
                .body("lastError.reason", containsString(unsigned))
                .body("deployedCommit", equalTo(deployed));
    }

    @Test
    void aSignedFixAfterARefusalClearsTheError() {
        var fleet = FleetResource.fleet();
        String deployed = deployedCommitOrNull();
        dev.gitopsagent.testing.SampleFlake.changeMotd(fleet.work(), "web1", "unsigned again");
        String unsigned = fleet.pushUnsigned("unsigned change");
        given().header("Authorization", BEARER).post("/control/trigger").then().statusCode(200);
        Await.until(PATIENCE, () -> unsigned.equals(given().get("/status").path("lastDecision.commit")));
        fleet.work().resetHard(deployed);
        fleet.work().commitSigned(TestKeys.trustedSsh(), "the change again, signed");
        fleet.work().forcePush(fleet.remote());
        String fixed = fleet.work().head();

        given().header("Authorization", BEARER).post("/control/trigger").then().statusCode(200);

        Await.until(PATIENCE, () -> fixed.equals(deployedCommitOrNull()));
        given().get("/status").then().body("lastError", nullValue());
    }

    @Test
    void metricsAndHealthAreServed() {
        given().get("/q/metrics").then().statusCode(200)
                .body(containsString("gitops_polls_total"))
                .body(containsString("gitops_deployments_total{result=\"succeeded\"}"))
                .body(containsString("gitops_last_successful_deployment_timestamp_seconds"))
                .body(containsString("gitops_remote_head_stale 0.0"));
        given().get("/q/health/live").then().statusCode(200);
        given().get("/q/health/ready").then().statusCode(200);
    }

    @Test
    void statusPageIsServedOpenlyWithAPolicyThatAllowsNoScriptAndNothingFromElsewhere() {
        String deployed = deployedCommitOrNull();
        given().get("/").then().statusCode(200)
                .contentType(containsString("text/html"))
                .header("Content-Security-Policy", containsString("default-src 'none'"))
                .header("Content-Security-Policy", containsString("style-src 'sha256-"))
                .header("X-Content-Type-Options", "nosniff")
                .body(containsString("<h1>web1</h1>"))
                .body(containsString(deployed.substring(0, 7)))
                .body(containsString("<meta http-equiv=\"refresh\" content=\"10\">"));
    }

    /** When the last poll ran ("" before the first): changes with every reconcile. */
    private static String lastPollAt() {
        String at = given().get("/status").path("lastPoll.at");
        return at == null ? "" : at;
    }

    /** Long enough for a woken poll (throttle 0.2 s, reconcile well under a second on loopback) to have shown. */
    private static void assertNoPollSince(String before) {
        try {
            Thread.sleep(1500);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        assertThat(lastPollAt()).as("no poll after a refused or ignored webhook").isEqualTo(before);
    }

    private static String deployedCommitOrNull() {
        return given().get("/status").path("deployedCommit");
    }

    private static String hmac(String body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(FleetResource.WEBHOOK_SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(body.getBytes(StandardCharsets.UTF_8)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
