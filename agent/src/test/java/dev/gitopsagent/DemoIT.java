package dev.gitopsagent;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import dev.gitopsagent.testing.AgentProcess;
import dev.gitopsagent.testing.CommandLine;

/**
 * The README's first command, as a new user runs it: {@code java -jar …/quarkus-run.jar demo} deploys the signed
 * sample commit, a pushed signed commit is deployed, an unsigned one is refused, and a restart keeps
 * what was deployed.
 */
class DemoIT {

    @TempDir
    Path dir;

    @Test
    void demoDeploysSignedCommitsRefusesUnsignedOnesAndKeepsItsStateAcrossRestart() throws Exception {
        Path demo = dir.resolve("demo");
        Map<String, String> fastPolls = Map.of("gitops.poll.interval", "1s", "gitops.poll.jitter", "0s");
        String first;
        String signed;
        try (AgentProcess agent = AgentProcess.start(dir.resolve("demo-1.log"), fastPolls, "demo", demo.toString())) {
            first = git(demo, "rev-parse", "HEAD");
            agent.awaitStatus(status -> first.equals(status.path("deployedCommit").asText()));
            assertThat(agent.output()).contains("deploy a signed commit:").contains(demo.resolve("work").toString());
            assertThat(agent.status().path("action").asText()).isEqualTo("dry-run");
            assertThat(agent.status().path("signature").path("signer").asText()).isEqualTo("demo@gitops-agent.invalid");

            Files.writeString(demo.resolve("work/flake.nix"), "# a signed change\n", java.nio.file.StandardOpenOption.APPEND);
            git(demo, "commit", "-q", "-am", "signed change");
            git(demo, "push", "-q", "origin", "main");
            signed = git(demo, "rev-parse", "HEAD");
            agent.awaitStatus(status -> signed.equals(status.path("deployedCommit").asText()));

            Files.writeString(demo.resolve("work/flake.nix"), "# an unsigned change\n", java.nio.file.StandardOpenOption.APPEND);
            git(demo, "-c", "commit.gpgsign=false", "commit", "-q", "-am", "unsigned change");
            git(demo, "push", "-q", "origin", "main");
            String unsigned = git(demo, "rev-parse", "HEAD");
            JsonNode refused = agent.awaitStatus(status -> unsigned.equals(status.path("lastDecision").path("commit").asText()));
            assertThat(refused.path("lastDecision").path("outcome").asText()).isEqualTo("REFUSED");
            assertThat(refused.path("lastError").path("reason").asText()).contains(unsigned).contains("not signed");
            assertThat(refused.path("deployedCommit").asText()).isEqualTo(signed);
        }

        try (AgentProcess restarted = AgentProcess.start(dir.resolve("demo-2.log"), fastPolls, "demo", demo.toString())) {
            JsonNode status = restarted.status();
            assertThat(status.path("deployedCommit").asText()).isEqualTo(signed);
            assertThat(status.path("lastDeployment").path("commit").asText()).isEqualTo(signed);
        }
    }

    private static String git(Path demo, String... args) {
        String[] command = new String[args.length + 3];
        command[0] = "git";
        command[1] = "-C";
        command[2] = demo.resolve("work").toString();
        System.arraycopy(args, 0, command, 3, args.length);
        return CommandLine.of(command).env("HOME", demo.toString()).runChecked().stdout().strip();
    }
}
