package dev.gitopsagent;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.gitopsagent.testing.AgentProcess;
import dev.gitopsagent.testing.CommandLine;
import dev.gitopsagent.testing.Fleet;
import dev.gitopsagent.testing.ProcessResult;
import dev.gitopsagent.testing.TestKeys;

/**
 * The CLI as an operator runs it: {@code gitops-agent <command>} from the packaged jar, a second process
 * talking to a real agent that deploys from a real fleet repository. The tests share one agent and run
 * in order, because each one builds on the state the previous one left (suspended, rolled back, ...).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AgentCliIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    private Path dir;
    private Fleet fleet;
    private AgentProcess agent;
    private Path tokenFile;
    private String url;
    private String first;

    @BeforeAll
    void startAgentAndDeployASignedCommit(@TempDir Path tempDir) throws IOException {
        dir = tempDir;
        fleet = Fleet.create(dir.resolve("fleet"));
        tokenFile = fleet.writeSecret("control-token", UUID.randomUUID().toString());
        first = fleet.pushSigned(TestKeys.trustedSsh(), "web1: first");
        Map<String, String> properties = fleet.agentProperties();
        properties.put("gitops.control.token-file", tokenFile.toString());
        agent = AgentProcess.start(dir.resolve("agent.log"), properties);
        url = "http://127.0.0.1:" + agent.port();
        agent.awaitStatus(s -> first.equals(s.path("deployedCommit").asText()));
    }

    @AfterAll
    void stopAgent() throws InterruptedException {
        if (agent != null) {
            agent.close();
        }
        if (fleet != null) {
            fleet.close();
        }
    }

    @Test
    @Order(1)
    void statusSummarisesTheDeployedCommitAndWhoSignedIt() {
        ProcessResult result = cli("status", "--url", url);

        assertThat(result.exitCode()).as(result.stderr()).isZero();
        assertThat(result.stdout())
                .contains("host:")
                .contains("web1")
                .contains("deployed:      " + first.substring(0, 7) + " signed by alice@example.test")
                .contains("deployments:   active")
                .doesNotContain(first.substring(0, 12));
    }

    @Test
    @Order(2)
    void statusJsonIsTheAgentsOwnReport() throws IOException {
        ProcessResult result = cli("status", "--json", "--url", url);

        assertThat(result.exitCode()).as(result.stderr()).isZero();
        assertThat(JSON.readTree(result.stdout()).path("deployedCommit").asText()).isEqualTo(first);
    }

    @Test
    @Order(3)
    void aControlCommandWithoutATokenIsRefusedBeforeAskingTheAgent() {
        ProcessResult result = cli("trigger", "--url", url);

        assertThat(result.exitCode()).isEqualTo(3);
        assertThat(result.stderr()).contains("no control token").contains("--token-file");
    }

    @Test
    @Order(4)
    void aWrongTokenIsReportedAsRefused() throws IOException {
        Path wrong = Files.writeString(dir.resolve("wrong-token"), "not-the-token");

        ProcessResult result = cli("trigger", "--url", url, "--token-file", wrong.toString());

        assertThat(result.exitCode()).isEqualTo(3);
        assertThat(result.stderr()).contains("the agent refused the token: missing or wrong bearer token");
    }

    @Test
    @Order(5)
    void suspendShowsInStatusUntilResumed() {
        ProcessResult suspend = cli("suspend", "--reason", "disk replacement", "--url", url, "--token-file", tokenFile.toString());
        assertThat(suspend.exitCode()).as(suspend.stderr()).isZero();
        assertThat(suspend.stdout()).contains("deployments suspended: disk replacement");

        assertThat(cli("status", "--url", url).stdout()).contains("deployments:   SUSPENDED: disk replacement");

        ProcessResult resume = cli("resume", "--url", url, "--token-file", tokenFile.toString());
        assertThat(resume.exitCode()).as(resume.stderr()).isZero();
        assertThat(cli("status", "--url", url).stdout()).contains("deployments:   active");
    }

    @Test
    @Order(6)
    void retryWithNothingToRetryExitsOneWithTheAgentsReason() {
        ProcessResult result = cli("retry", "--url", url, "--token-file", tokenFile.toString());

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.stderr()).contains("nothing to retry");
    }

    @Test
    @Order(7)
    void triggerAsksForAReconcile() {
        ProcessResult result = cli("trigger", "--json", "--url", url, "--token-file", tokenFile.toString());

        assertThat(result.exitCode()).as(result.stderr()).isZero();
        assertThat(result.stdout()).contains("\"action\":\"trigger\"").contains("\"done\":true");
    }

    @Test
    @Order(8)
    void rollbackGoesBackOneGenerationAndSuspends() {
        String second = fleet.pushChange("second");
        agent.awaitStatus(s -> second.equals(s.path("deployedCommit").asText()) && "idle".equals(s.path("phase").asText()));
        int before = fleet.host().currentGeneration();

        ProcessResult result = cli("rollback", "--url", url, "--token-file", tokenFile.toString());

        assertThat(result.exitCode()).as(result.stderr()).isZero();
        assertThat(result.stdout()).contains("rolled back by operator");
        assertThat(fleet.host().currentGeneration()).isEqualTo(before - 1);
        assertThat(fleet.host().invocations()).anyMatch(line -> line.contains("switch --rollback"));
        assertThat(cli("status", "--url", url).stdout())
                .contains("deployments:   SUSPENDED: rolled back by operator")
                .contains("deployed:      " + first.substring(0, 7));
    }

    @Test
    @Order(9)
    void withoutOptionsTheAgentsConfigurationFileSaysWhereAndWhichToken() throws IOException {
        Path config = Files.writeString(dir.resolve("agent.properties"),
                "gitops.http.port=" + agent.port() + "\ngitops.control.token-file=" + tokenFile + "\n");

        ProcessResult result = CommandLine.of(command("resume")).env("QUARKUS_CONFIG_LOCATIONS", config.toString()).run();

        assertThat(result.exitCode()).as(result.stderr()).isZero();
        assertThat(result.stdout()).contains("deployments resumed");
    }

    @Test
    @Order(10)
    void anAgentThatIsNotListeningExitsFour() throws IOException {
        String nobody;
        try (ServerSocket socket = new ServerSocket(0)) {
            nobody = "http://127.0.0.1:" + socket.getLocalPort();
        }

        ProcessResult result = cli("status", "--url", nobody);

        assertThat(result.exitCode()).isEqualTo(4);
        assertThat(result.stderr()).contains("cannot reach the agent at " + nobody).contains("is gitops-agent running?");
    }

    @Test
    @Order(11)
    void aMistypedCommandLineExitsTwoWithoutContactingTheAgent() {
        ProcessResult unknownOption = cli("status", "--verbose", "--url", url);
        ProcessResult unknownCommand = cli("statsu");

        assertThat(unknownOption.exitCode()).isEqualTo(2);
        assertThat(unknownOption.stderr()).contains("--verbose");
        assertThat(unknownCommand.exitCode()).isEqualTo(2);
        assertThat(unknownCommand.stderr()).contains("unknown command 'statsu'");
    }

    @Test
    @Order(12)
    void helpPrintsUsageAndExitsZero() {
        ProcessResult result = cli("help");

        assertThat(result.exitCode()).isZero();
        assertThat(result.stdout()).contains("Usage: gitops-agent <command>").contains("rollback");
    }

    /** Runs the CLI with a clean environment whose agent configuration does not exist, so nothing leaks in from the host. */
    private ProcessResult cli(String... args) {
        return CommandLine.of(command(args)).env("QUARKUS_CONFIG_LOCATIONS", dir.resolve("absent.properties").toString()).run();
    }

    private static List<String> command(String... args) {
        return AgentProcess.command(Map.of(), args);
    }
}
