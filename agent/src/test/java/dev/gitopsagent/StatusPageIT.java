package dev.gitopsagent;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.gitopsagent.testing.AgentProcess;
import dev.gitopsagent.testing.Chromium;
import dev.gitopsagent.testing.Fleet;
import dev.gitopsagent.testing.SampleFlake;

/**
 * The status page of the packaged agent, loaded by a real browser (Debian's headless Chromium):
 * what a person sees after a deployment and a refusal, and that markup smuggled into a commit
 * message or a reason is shown as text, never run. The screenshot is kept in
 * {@code target/screenshots/status-page.png}.
 */
class StatusPageIT {

    private static final String XSS_SUBJECT = "<script>document.title=\"pwned\"</script><img src=x onerror=alert(1)> unsigned change";
    private static final String FORGE = "https://forge.example.test/fleet/commit/";

    @TempDir
    Path dir;

    @Test
    void showsTheDeployedCommitAndTheRefusalOfAnUnsignedHeadAndRunsNoMarkupFromCommitsOrReasons() throws Exception {
        Chromium chromium = Chromium.find(dir.resolve("chromium"));
        try (Fleet fleet = Fleet.create(dir.resolve("fleet"))) {
            fleet.pushChange("first configuration");
            Map<String, String> properties = fleet.agentProperties();
            properties.put("gitops.status-page.commit-url", FORGE + "{commit}");
            properties.put("gitops.control.token-file", fleet.writeSecret("control-token", "page-test-token").toString());
            try (AgentProcess agent = AgentProcess.start(dir.resolve("agent.log"), properties)) {
                String first = fleet.work().head();
                agent.awaitStatus(status -> first.equals(status.path("deployedCommit").asText()));
                String deployed = fleet.pushChange("welcome the new intern");
                agent.awaitStatus(status -> deployed.equals(status.path("deployedCommit").asText()));
                SampleFlake.changeMotd(fleet.work(), Fleet.HOST, "unsigned");
                String unsigned = fleet.pushUnsigned("motd: try a new greeting");
                agent.awaitStatus(status -> unsigned.equals(status.path("lastDecision").path("commit").asText()));

                String refusal = chromium.dumpDom(agent.url("/"));

                assertThat(refusal).contains("<title>web1 · head refused · gitops-agent</title>");
                assertThat(refusal).contains("href=\"" + FORGE + deployed + "\"").contains(deployed.substring(0, 7))
                        .contains("motd: welcome the new intern").contains("alice@example.test");
                assertThat(refusal).contains("Refused " + unsigned.substring(0, 7) + " “motd: try a new greeting”").contains("Not signed.")
                        .contains("The host keeps running " + deployed.substring(0, 7) + ".");
                chromium.screenshot(agent.url("/"), Path.of("target", "screenshots", "status-page.png"), 1200, 1240);

                String xss = fleet.pushUnsigned(XSS_SUBJECT);
                agent.awaitStatus(status -> xss.equals(status.path("lastDecision").path("commit").asText()));

                String dom = chromium.dumpDom(agent.url("/"));

                assertThat(dom).as("the page's own title, untouched by the injected script")
                        .contains("<title>web1 · head refused · gitops-agent</title>");
                assertThat(dom).as("the commit message is shown as text")
                        .contains("&lt;script&gt;document.title=\"pwned\"&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt; unsigned change")
                        .doesNotContainIgnoringCase("<script").doesNotContainIgnoringCase("<img");
                assertThat(dom).as("the reason names the unsigned commit under the head")
                        .contains("Commit " + unsigned + " on the path from the deployed commit is not signed.");

                String reason = "<b onmouseover=alert(2)>maintenance</b> & \"quotes\"";
                agent.send(HttpRequest.newBuilder(agent.url("/control/suspend?reason=" + URLEncoder.encode(reason, StandardCharsets.UTF_8)))
                        .header("Authorization", "Bearer page-test-token").POST(HttpRequest.BodyPublishers.noBody()).build());
                agent.awaitStatus(status -> status.path("suspended").asBoolean());

                String suspended = chromium.dumpDom(agent.url("/"));

                assertThat(suspended).contains("Deployments are suspended")
                        .contains("&lt;b onmouseover=alert(2)&gt;maintenance&lt;/b&gt; &amp; \"quotes\"")
                        .doesNotContain("<b onmouseover");
            }
        }
    }
}
