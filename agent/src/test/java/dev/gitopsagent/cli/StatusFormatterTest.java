package dev.gitopsagent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

class StatusFormatterTest {

    private static final Instant NOW = Instant.parse("2025-03-01T12:00:00Z");
    private static final String DEPLOYED = "1a2b3c4d5e6f7a8b9c0d1a2b3c4d5e6f7a8b9c0d";
    private static final String HEAD = "9f8e7d6c5b4a39281706f5e4d3c2b1a098765432";

    private final StatusFormatter formatter = new StatusFormatter(NOW);

    @Test
    void aHealthyAgentShowsWhatIsDeployedWhoSignedItAndWhenItPollsNext() throws Exception {
        String text = formatter.format(json("""
                {"agentVersion":"1.0","host":"web1","repository":"https://git.example/fleet.git","mirrors":[],
                 "branch":"main","action":"switch","phase":"idle","suspended":false,
                 "remoteHead":"%1$s","deployedCommit":"%1$s","deployedAt":"2025-03-01T11:57:00Z",
                 "signature":{"format":"ssh","signer":"alice@example.test","key":"SHA256:abc"},
                 "runningCommit":"%1$s","systemGeneration":{"number":42,"storePath":"/nix/store/x-nixos-system"},
                 "lastPoll":{"at":"2025-03-01T11:59:56Z","result":"up to date"},
                 "nextPoll":"2025-03-01T12:00:56Z",
                 "lastDecision":{"commit":"%1$s","outcome":"DEPLOYED","reason":"signed by alice@example.test","at":"2025-03-01T11:56:30Z"},
                 "lastDeployment":{"commit":"%1$s","action":"switch","result":"SUCCEEDED","startedAt":"2025-03-01T11:56:30Z",
                   "finishedAt":"2025-03-01T11:57:00Z","durationMillis":30400,"generation":42,"outputTail":[]}}
                """.formatted(DEPLOYED)));

        assertThat(text).isEqualTo("""
                host:          web1 (switch from branch main)
                repository:    https://git.example/fleet.git
                phase:         idle
                deployments:   active
                remote head:   1a2b3c4 (deployed)
                deployed:      1a2b3c4 signed by alice@example.test (ssh), 3m ago
                running:       1a2b3c4, system generation 42
                last poll:     4s ago: up to date
                last decision: deployed 1a2b3c4, 3m 30s ago: signed by alice@example.test
                last deploy:   succeeded 1a2b3c4 in 30s (switch), 3m ago
                last error:    none
                next poll:     in 56s
                """);
    }

    @Test
    void aCommitWaitingForItsWaveSaysWhenItActivates() throws Exception {
        String text = formatter.format(json("""
                {"host":"web1","suspended":false,
                 "rollout":{"wave":1,"waveDerived":true,"waves":3,"windows":[],"waitingFor":"wave","waitingCommit":"%1$s",
                   "waitReason":"wave 1 activates %1$s at 2025-03-01T12:40:00Z (committed 2025-03-01T11:40:00Z)",
                   "activatesAt":"2025-03-01T12:40:00Z","override":null}}
                """.formatted(HEAD)));

        assertThat(text).contains("rollout:       wave 1 of 3 (from the host name); wave 1 activates " + HEAD
                + " at 2025-03-01T12:40:00Z (committed 2025-03-01T11:40:00Z); activates in 40m\n");
    }

    @Test
    void aConfiguredWaveWithWindowsShowsTheNextWindowAndAPendingOverride() throws Exception {
        String text = formatter.format(json("""
                {"host":"web1","rollout":{"wave":0,"waveDerived":false,"waves":1,"windows":["Sat 02:00 UTC for 4h"],
                 "windowOpen":false,"nextWindow":"2025-03-08T02:00:00Z","override":"skip-window"}}
                """));

        assertThat(text).contains("rollout:       wave 0; next maintenance window at 2025-03-08T02:00:00Z;"
                + " operator override pending: skip-window\n");
    }

    @Test
    void aPendingRebootSaysWhatChangedAndWhenTheAgentWillReboot() throws Exception {
        String text = formatter.format(json("""
                {"host":"web1","rollout":{"wave":0,"waveDerived":false,"waves":1,"windows":[],"rebootPending":["kernel","initrd"],
                 "rebootWindows":["Sun 03:00 UTC for 1h"],"nextRebootWindow":"2025-03-09T03:00:00Z"}}
                """));

        assertThat(text).contains("rollout:       wave 0; reboot pending (kernel, initrd changed), next reboot window at 2025-03-09T03:00:00Z\n");
    }

    @Test
    void aRebootHeldByAnotherWavesSlotSaysWhichAndWhenItWillHappen() throws Exception {
        String text = formatter.format(json("""
                {"host":"web1","rollout":{"wave":0,"waveDerived":false,"waves":3,"windows":[],"rebootPending":["kernel"],
                 "rebootWindows":["Sun 03:00 UTC for 4h"],"nextRebootWindow":null,
                 "rebootWaitsFor":"reboot waits for wave 1's slot of %s to end at 2025-03-09T04:00:00Z",
                 "rebootBlockedUntil":"2025-03-09T05:00:00Z"}}
                """.formatted(HEAD)));

        assertThat(text).contains("rollout:       wave 0; reboot pending (kernel changed), reboot window open; reboot waits for wave 1's slot of "
                + HEAD + " to end at 2025-03-09T04:00:00Z, reboots at 2025-03-09T05:00:00Z\n");
    }

    @Test
    void aSuspendedAgentSaysWhyAndHowToResume() throws Exception {
        String text = formatter.format(json("""
                {"host":"web1","suspended":true,
                 "suspension":{"reason":"rolled back by operator from generation 3 to 2","since":"2025-03-01T10:00:00Z"}}
                """));

        assertThat(text).contains("deployments:   SUSPENDED: rolled back by operator from generation 3 to 2 (since 2h ago);"
                + " run 'gitops-agent resume' to resume");
    }

    @Test
    void aSuspensionThatEndsWithTheNextCommitSaysSo() throws Exception {
        String text = formatter.format(json("""
                {"suspended":true,"suspension":{"reason":"r","since":"2025-03-01T11:59:00Z","untilHeadMovesFrom":"%s"}}
                """.formatted(HEAD)));

        assertThat(text).contains("resumes when the branch moves past 9f8e7d6");
    }

    @Test
    void aRefusalIsPrintedOnceWithTheLastErrorGivingOnlyItsAge() throws Exception {
        String text = formatter.format(json("""
                {"remoteHead":"%s","deployedCommit":"%s","runningCommit":"%2$s","suspended":false,
                 "lastDecision":{"commit":"%1$s","outcome":"REFUSED","reason":"refused %1$s: not signed by a trusted key","at":"2025-03-01T11:00:00Z"},
                 "lastError":{"reason":"refused %1$s: not signed by a trusted key","since":"2025-03-01T11:00:00Z","lastSeen":"2025-03-01T11:59:30Z"}}
                """.formatted(HEAD, DEPLOYED)));

        assertThat(text)
                .contains("remote head:   9f8e7d6 (not deployed)")
                .contains("last decision: refused 9f8e7d6, 1h ago: not signed by a trusted key")
                .contains("last error:    the last decision's reason (first 1h ago, last 30s ago)");
        assertThat(text.split("not signed by a trusted key", -1)).as("the refusal text appears once").hasSize(2);
    }

    @Test
    void anErrorOtherThanTheLastDecisionIsPrintedInFull() throws Exception {
        String text = formatter.format(json("""
                {"lastDecision":{"commit":"%s","outcome":"DEPLOYED","at":"2025-03-01T11:00:00Z"},
                 "lastError":{"reason":"cannot read branch main from any remote","since":"2025-03-01T11:59:30Z","lastSeen":"2025-03-01T11:59:30Z"}}
                """.formatted(HEAD)));

        assertThat(text).contains("last error:    cannot read branch main from any remote (30s ago)");
    }

    @Test
    void aRunningSystemFromElsewhereIsPointedOut() throws Exception {
        String text = formatter.format(json("""
                {"deployedCommit":"%s","runningCommit":"%s","systemGeneration":{"number":7}}
                """.formatted(DEPLOYED, HEAD)));

        assertThat(text).contains("running:       9f8e7d6 (differs from the deployed commit), system generation 7");
    }

    @Test
    void aRunningSystemOtherThanTheOneTheAgentActivatedIsShownAsDrift() throws Exception {
        String text = formatter.format(json("""
                {"deployedCommit":"%s","runningCommit":"%s","drift":{"drifted":true,"expected":"/nix/store/aaa-nixos-system-web1",
                 "running":"/nix/store/bbb-nixos-system-web1","since":"2025-03-01T11:58:00Z"}}
                """.formatted(DEPLOYED, DEPLOYED)));

        assertThat(text).contains("running:       " + DEPLOYED.substring(0, 7) + "; DRIFTED: runs /nix/store/bbb-nixos-system-web1, "
                + "not /nix/store/aaa-nixos-system-web1 which the agent activated (since 2m ago)");
    }

    @Test
    void aSystemInSyncSaysNothingAboutDrift() throws Exception {
        String text = formatter.format(json("""
                {"deployedCommit":"%s","runningCommit":"%s","drift":{"drifted":false,"expected":"/nix/store/aaa","running":"/nix/store/aaa"}}
                """.formatted(DEPLOYED, DEPLOYED)));

        assertThat(text).doesNotContain("DRIFT").doesNotContain("drift");
    }

    @Test
    void aFreshAgentShowsWhatItHasNotDoneYetInsteadOfNulls() throws Exception {
        String text = formatter.format(json("""
                {"host":"web1","branch":"main","action":"switch","phase":"fetching","suspended":false}
                """));

        assertThat(text)
                .contains("remote head:   unknown (not fetched yet)")
                .contains("deployed:      nothing yet")
                .contains("last poll:     none yet")
                .contains("last deploy:   none yet")
                .contains("next poll:     not scheduled")
                .doesNotContain("null");
    }

    @Test
    void durationsKeepTwoUnitsAtMost() {
        assertThat(StatusFormatter.duration(Duration.ofMillis(250))).isEqualTo("250ms");
        assertThat(StatusFormatter.duration(Duration.ofMillis(2300))).isEqualTo("2.3s");
        assertThat(StatusFormatter.duration(Duration.ofSeconds(45))).isEqualTo("45s");
        assertThat(StatusFormatter.duration(Duration.ofSeconds(125))).isEqualTo("2m 5s");
        assertThat(StatusFormatter.duration(Duration.ofMinutes(192).plusSeconds(40))).isEqualTo("3h 12m");
        assertThat(StatusFormatter.duration(Duration.ofDays(9).plusHours(1))).isEqualTo("9d 1h");
    }

    private static JsonNode json(String text) throws Exception {
        return new ObjectMapper().readTree(text);
    }
}
