package dev.gitopsagent.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AgentLocationTest {

    @TempDir
    Path dir;

    @Test
    void theAgentsOwnConfigurationFileSaysWhereItListensAndWhereTheTokenIs() throws Exception {
        Path config = Files.writeString(dir.resolve("agent.properties"), """
                gitops.http.host=10.1.2.3
                gitops.http.port = 9555
                gitops.control.token-file=/run/secrets/control
                """);

        AgentLocation location = AgentLocation.resolve(CliArguments.parse("rollback"),
                Map.of("QUARKUS_CONFIG_LOCATIONS", config + ",/etc/other.properties"));

        assertThat(location.url()).isEqualTo(URI.create("http://10.1.2.3:9555"));
        assertThat(location.tokenFile()).contains(Path.of("/run/secrets/control"));
        assertThat(location.configProblem()).isEmpty();
    }

    @Test
    void withoutAConfigurationFileTheAgentsDefaultsApply() throws Exception {
        AgentLocation location = AgentLocation.resolve(CliArguments.parse("trigger"),
                Map.of("QUARKUS_CONFIG_LOCATIONS", dir.resolve("missing.properties").toString()));

        assertThat(location.url()).isEqualTo(URI.create("http://127.0.0.1:9420"));
        assertThat(location.tokenFile()).isEmpty();
        assertThat(location.configProblem()).hasValueSatisfying(p -> assertThat(p).contains("does not exist"));
    }

    @Test
    void theEnvironmentOverridesTheConfigurationFile() throws Exception {
        Path config = Files.writeString(dir.resolve("agent.properties"), "gitops.http.port=9555\ngitops.control.token-file=/a\n");

        AgentLocation location = AgentLocation.resolve(CliArguments.parse("trigger"), Map.of(
                "QUARKUS_CONFIG_LOCATIONS", config.toString(),
                "GITOPS_AGENT_URL", "http://agent.local:1234/",
                "GITOPS_CONTROL_TOKEN_FILE", "/b"));

        assertThat(location.url()).isEqualTo(URI.create("http://agent.local:1234"));
        assertThat(location.tokenFile()).contains(Path.of("/b"));
    }

    @Test
    void optionsOverrideTheEnvironment() throws Exception {
        AgentLocation location = AgentLocation.resolve(
                CliArguments.parse("trigger", "--url", "http://127.0.0.1:7000", "--token-file", "/c"),
                Map.of("GITOPS_AGENT_URL", "http://agent.local:1234", "GITOPS_CONTROL_TOKEN_FILE", "/b"));

        assertThat(location.url()).isEqualTo(URI.create("http://127.0.0.1:7000"));
        assertThat(location.tokenFile()).contains(Path.of("/c"));
    }

    @Test
    void anAgentBoundToEveryAddressIsReachedOnLoopback() throws Exception {
        Path config = Files.writeString(dir.resolve("agent.properties"), "gitops.http.host=0.0.0.0\n");

        AgentLocation location = AgentLocation.resolve(CliArguments.parse("status"),
                Map.of("QUARKUS_CONFIG_LOCATIONS", "file:" + config));

        assertThat(location.url()).isEqualTo(URI.create("http://127.0.0.1:9420"));
    }

    @Test
    void withoutQuarkusConfigLocationsTheServicesFileIsRead() {
        assertThat(AgentLocation.configFile(Map.of())).isEqualTo(Path.of("/etc/gitops-agent/agent.properties"));
    }

    @Test
    void aUrlThatIsNotHttpIsAUsageError() {
        assertThatThrownBy(() -> AgentLocation.resolve(CliArguments.parse("status", "--url", "127.0.0.1:9420"), Map.of()))
                .isInstanceOf(UsageException.class).hasMessageContaining("http://127.0.0.1:9420");
    }
}
