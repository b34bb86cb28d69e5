package dev.gitopsagent.status;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.HashMap;
import java.util.Map;

import org.eclipse.microprofile.health.HealthCheckResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

import dev.gitopsagent.state.Deployment;
import dev.gitopsagent.state.SignatureRecord;

/** The page escapes every value it shows, whichever field it arrives in. */
class StatusPageTest {

    private static final String PAYLOAD = "<script>alert('x')</script>\"><img src=x onerror=alert(1)>&";
    private static final String ESCAPED = "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&quot;&gt;&lt;img src=x onerror=alert(1)&gt;&amp;";
    private static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";
    private static final String HEAD = "89abcdef0123456789abcdef0123456789abcdef";
    private static final Instant NOW = Instant.parse("2026-11-25T12:00:00Z");
    private static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule()).registerModule(new Jdk8Module());

    /** One field of the page's input carrying markup: a {@code /status} field, a history entry, or the commit subjects. */
    record Field(String name, Map<String, Object> status, List<Deployment> history, boolean subjects) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<Field> fieldsCarryingMarkup() {
        Map<String, String> signer = Map.of("format", "ssh", "signer", PAYLOAD, "key", PAYLOAD);
        return List.of(
                new Field("commit subject", Map.of(), List.of(), true),
                new Field("host", Map.of("host", PAYLOAD), List.of(), false),
                new Field("branch", Map.of("branch", PAYLOAD), List.of(), false),
                new Field("repository", Map.of("repository", PAYLOAD), List.of(), false),
                new Field("refusal reason", Map.of("lastDecision", decision("REFUSED", "refused " + HEAD + ": " + PAYLOAD)), List.of(), false),
                new Field("failure reason", Map.of("lastDecision", decision("FAILED", PAYLOAD)), List.of(), false),
                new Field("signer", Map.of("signature", signer), List.of(), false),
                new Field("signers in force", Map.of("signers", Map.of("source", "repository policy (trust/)", "signers", List.of(PAYLOAD))),
                        List.of(), false),
                new Field("suspension reason", Map.of("suspended", true, "suspension", Map.of("reason", PAYLOAD, "since", NOW.toString())),
                        List.of(), false),
                new Field("remote error", Map.of("lastError", Map.of("reason", PAYLOAD, "since", NOW.toString(), "lastSeen", NOW.toString())),
                        List.of(), false),
                new Field("last poll's remote", Map.of("lastPoll", Map.of("at", NOW.toString(), "result", "ok", "remote", PAYLOAD)), List.of(),
                        false),
                new Field("testing branch", Map.of("testingBranch", PAYLOAD), List.of(), false),
                new Field("what holds a reboot", Map.of("rollout", rebootHeld(PAYLOAD)), List.of(), false),
                new Field("deployment reason and signer in the timeline", Map.of(), List.of(new Deployment(HEAD, "switch",
                        Deployment.Result.FAILED, NOW, NOW, 1500, PAYLOAD, JSON.convertValue(signer, SignatureRecord.class), null, List.of())),
                        false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fieldsCarryingMarkup")
    void showsMarkupFromAnyFieldAsText(Field field) {
        String html = new StatusPage(Optional.of("https://forge.example.test/c/{commit}"), 10, true)
                .render(report(field.status()), extras(field.history(), field.subjects()));

        assertThat(html).contains(ESCAPED).doesNotContain("<script").doesNotContain("<img").doesNotContain("'x'");
    }

    @Test
    void linksCommitsToTheForgeAndStatesTheRefusalInPlainWords() {
        StatusReport refused = report(Map.of("lastDecision", decision("REFUSED", "refused " + HEAD + ": not signed")));

        String html = new StatusPage(Optional.of("https://forge.example.test/c/{commit}"), 7, true).render(refused, extras(List.of(), false));

        assertThat(html).contains("<a href=\"https://forge.example.test/c/" + COMMIT + "\"")
                .contains("<meta http-equiv=\"refresh\" content=\"7\">")
                .contains("head refused").contains("Refused " + HEAD.substring(0, 7)).contains("Not signed.");
    }

    @Test
    void saysThatAPendingRebootIsHeldByAnotherWavesSlotAndWhenItHappens() {
        String waitsFor = "reboot waits for wave 1's slot of " + HEAD + " to end at 2026-11-25T13:00:00Z";

        String html = new StatusPage(Optional.empty(), 10, true).render(report(Map.of("rollout", rebootHeld(waitsFor))), extras(List.of(), false));

        assertThat(html).contains("<dt>reboot</dt><dd>reboot pending (kernel, initrd changed), reboot window open; reboot waits for wave 1&#39;s slot of "
                + HEAD + " to end at 2026-11-25T13:00:00Z, reboots at 2026-11-25T14:00:00Z");
    }

    @Test
    void showsNoRebootRowWhileNoRebootIsPending() {
        String html = new StatusPage(Optional.empty(), 10, true).render(report(Map.of("rollout", Map.of("wave", 1, "rebootPending", List.of()))),
                extras(List.of(), false));

        assertThat(html).doesNotContain("<dt>reboot</dt>");
    }

    /** {@code /status} → {@code rollout} of a host whose pending reboot another wave's slot holds inside an open reboot window. */
    private static Map<String, Object> rebootHeld(String waitsFor) {
        return Map.of("wave", 0, "rebootPending", List.of("kernel", "initrd"), "rebootWindows", List.of("Wed 12:00 UTC for 4h"),
                "rebootWaitsFor", waitsFor, "rebootBlockedUntil", "2026-11-25T14:00:00Z");
    }

    private static StatusPage.Extras extras(List<Deployment> history, boolean subjects) {
        return new StatusPage.Extras(history, List.of(HealthCheckResponse.up("reconcile-loop")),
                commit -> subjects ? Optional.of(PAYLOAD) : Optional.of("plain subject"), NOW);
    }

    /** A healthy host's status, as {@code GET /status} would serve it, with {@code changes} applied. */
    private static StatusReport report(Map<String, Object> changes) {
        Map<String, Object> status = new HashMap<>(Map.of("agentVersion", "1.0", "host", "web1", "repository", "https://git.example.test/fleet.git",
                "branch", "main", "action", "switch", "phase", "idle", "remoteHead", HEAD, "deployedCommit", COMMIT, "deployedAt", NOW.toString(),
                "signature", Map.of("format", "ssh", "signer", "alice", "key", "SHA256:abc")));
        status.putAll(Map.of("runningCommit", COMMIT, "testingBranch", "testing-web1", "nextPoll", NOW.toString(),
                "lastPoll", Map.of("at", NOW.toString(), "result", "unchanged", "remote", "origin"),
                "lastDecision", decision("DEPLOYED", null)));
        status.putAll(changes);
        return JSON.convertValue(status, StatusReport.class);
    }

    private static Map<String, Object> decision(String outcome, String reason) {
        Map<String, Object> decision = new HashMap<>(Map.of("commit", HEAD, "outcome", outcome, "at", NOW.toString()));
        if (reason != null) {
            decision.put("reason", reason);
        }
        return decision;
    }
}
