package dev.gitopsagent.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpClient;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.gitopsagent.config.AgentConfig.ForgeType;
import dev.gitopsagent.status.ForgeApi;
import dev.gitopsagent.status.ForgeStatuses;
import dev.gitopsagent.testing.ForgeServer;

/**
 * The forge gate reading each forge's status API over real HTTP on loopback: the path and token
 * header per forge, the latest status per context, and which of them count: statuses of hosts of
 * earlier waves only, a failing one holding the host whatever the count.
 */
class ForgeGateTest {

    private static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";
    private static final Instant NOW = Instant.parse("2030-01-07T10:00:00Z");
    private static final String TOKEN = "forge-s3cret";

    private ForgeServer forge;

    @AfterEach
    void stop() {
        forge.close();
    }

    private ForgeGate gate(ForgeType type, int minSuccesses) {
        String apiPath = switch (type) {
            case GITHUB -> "";
            case GITEA -> "/api/v1";
            case GITLAB -> "/api/v4";
        };
        forge = ForgeServer.start(type, apiPath, TOKEN);
        ForgeApi api = new ForgeApi(type, forge.apiUrl(), type == ForgeType.GITLAB ? "infra/fleet" : "example/fleet", TOKEN);
        return new ForgeGate(new ForgeStatuses(api, HttpClient.newHttpClient()), "gitops-agent/web2", minSuccesses, Duration.ofMinutes(1));
    }

    private static String failure(ForgeType type) {
        return type == ForgeType.GITLAB ? "failed" : "failure";
    }

    @ParameterizedTest
    @EnumSource(ForgeType.class)
    void opensWithEnoughSuccessesFromEarlierWavesReadWithTheForgesOwnPathAndToken(ForgeType type) throws Exception {
        ForgeGate gate = gate(type, 2);
        forge.post(COMMIT, "gitops-agent/canary1", "success", "wave 0: deployed (switch)");
        forge.post(COMMIT, "gitops-agent/web1", "success", "wave 1: deployed (switch)");

        assertThat(gate.hold(COMMIT, 2, NOW)).isEmpty();

        ForgeServer.Request read = forge.requests().get(0);
        assertThat(read.method()).isEqualTo("GET");
        switch (type) {
            case GITHUB -> {
                assertThat(read.path()).isEqualTo("/repos/example/fleet/commits/" + COMMIT + "/status");
                assertThat(read.authorization()).isEqualTo("Bearer " + TOKEN);
            }
            case GITEA -> {
                assertThat(read.path()).isEqualTo("/api/v1/repos/example/fleet/commits/" + COMMIT + "/status");
                assertThat(read.authorization()).isEqualTo("token " + TOKEN);
            }
            case GITLAB -> {
                assertThat(read.path()).isEqualTo("/api/v4/projects/infra%2Ffleet/repository/commits/" + COMMIT + "/statuses");
                assertThat(read.privateToken()).isEqualTo(TOKEN);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(ForgeType.class)
    void holdsUntilEnoughHostsOfEarlierWavesSucceededCountingNoOtherStatus(ForgeType type) throws Exception {
        ForgeGate gate = gate(type, 2);
        forge.post(COMMIT, "gitops-agent/canary1", "success", "wave 0: deployed (switch)");
        forge.post(COMMIT, "gitops-agent/web3", "success", "wave 2: deployed (switch)");
        forge.post(COMMIT, "gitops-agent/web2", "success", "wave 1: deployed (switch)");
        forge.post(COMMIT, "ci/build", "success", "wave 0: deployed (switch)");
        forge.post(COMMIT, "gitops-agent/old", "success", "deployed (switch)");

        Optional<Wait> held = gate.hold(COMMIT, 2, NOW);

        assertThat(held).contains(new Wait.Forge(COMMIT, 2, "1 of 2 success statuses from earlier waves", NOW.plus(Duration.ofMinutes(1))));
        assertThat(held.get().describe()).isEqualTo("wave 2 holds " + COMMIT + " for the forge gate: 1 of 2 success statuses from earlier waves");
    }

    @ParameterizedTest
    @EnumSource(ForgeType.class)
    void aFailureFromAnEarlierWaveHoldsTheHostWhateverTheCount(ForgeType type) throws Exception {
        ForgeGate gate = gate(type, 1);
        forge.post(COMMIT, "gitops-agent/canary1", "success", "wave 0: deployed (switch)");
        forge.post(COMMIT, "gitops-agent/canary2", failure(type), "wave 0: deployment of " + COMMIT + " failed: health check failed");

        Optional<Wait> held = gate.hold(COMMIT, 1, NOW);

        assertThat(held).map(wait -> ((Wait.Forge) wait).reason()).contains("gitops-agent/canary2 reports " + failure(type)
                + " (wave 0: deployment of " + COMMIT + " failed: health check failed)");
    }

    @ParameterizedTest
    @EnumSource(value = ForgeType.class, names = "GITHUB")
    void waveZeroIsNeverGatedAndAsksTheForgeNothing(ForgeType type) throws Exception {
        ForgeGate gate = gate(type, 3);

        assertThat(gate.hold(COMMIT, 0, NOW)).isEmpty();
        assertThat(forge.requests()).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(value = ForgeType.class, names = "GITEA")
    void aForgeThatDoesNotAnswerAStatusListHoldsTheHostWithTheReason(ForgeType type) throws Exception {
        ForgeGate gate = gate(type, 1);
        forge.answerReadsWith("{\"message\": \"not found\"}");

        Optional<Wait> held = gate.hold(COMMIT, 1, NOW);

        assertThat(held).map(wait -> ((Wait.Forge) wait).reason()).get().asString()
                .startsWith("cannot read the commit statuses from " + forge.apiUrl()).endsWith("no list of statuses");
    }

    @ParameterizedTest
    @EnumSource(value = ForgeType.class, names = "GITHUB")
    void anAnswerLongerThanTheBoundIsNotReadToTheEnd(ForgeType type) throws Exception {
        ForgeGate gate = gate(type, 1);
        forge.answerReadsWith("{\"statuses\": [" + "{\"context\": \"x\", \"state\": \"success\"},".repeat(40_000) + "]}");

        Optional<Wait> held = gate.hold(COMMIT, 1, NOW);

        assertThat(held).map(wait -> ((Wait.Forge) wait).reason()).get().asString().endsWith("are longer than 1048576 bytes");
    }
}
