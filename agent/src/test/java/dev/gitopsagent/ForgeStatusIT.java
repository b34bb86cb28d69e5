package dev.gitopsagent;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.sun.net.httpserver.HttpServer;

import dev.gitopsagent.testing.Await;
import dev.gitopsagent.testing.AgentProcess;
import dev.gitopsagent.testing.Fleet;
import dev.gitopsagent.testing.SampleFlake;
import dev.gitopsagent.testing.TestKeys;

/** The packaged agent, configured with {@code gitops.forge.*}, posts its decisions as commit statuses. */
class ForgeStatusIT {

    private static final Duration PATIENCE = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    @Test
    void postsASuccessStatusForADeployedCommitAndAnErrorForARefusedOne() throws Exception {
        List<String> posted = new CopyOnWriteArrayList<>();
        HttpServer forge = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        forge.createContext("/", exchange -> {
            posted.add(exchange.getRequestURI().getPath() + " " + new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            exchange.sendResponseHeaders(201, -1);
            exchange.close();
        });
        forge.start();
        try (Fleet fleet = Fleet.create(dir.resolve("fleet"))) {
            String signed = fleet.pushSigned(TestKeys.trustedSsh(), "first configuration");
            Map<String, String> properties = fleet.agentProperties();
            properties.put("gitops.forge.type", "github");
            properties.put("gitops.forge.api-url", "http://127.0.0.1:" + forge.getAddress().getPort());
            properties.put("gitops.forge.repository", "example/fleet");
            properties.put("gitops.forge.token-file", fleet.writeSecret("forge-token", "s3cret").toString());
            try (AgentProcess agent = AgentProcess.start(dir.resolve("agent.log"), properties)) {
                Await.until(PATIENCE, () -> posted.stream().anyMatch(line -> line.startsWith("/repos/example/fleet/statuses/" + signed)));
                assertThat(posted.get(0)).contains("\"state\":\"success\"").contains("\"context\":\"gitops-agent/web1\"");

                SampleFlake.changeMotd(fleet.work(), Fleet.HOST, "unsigned");
                String unsigned = fleet.pushUnsigned("unsigned change");
                Await.until(PATIENCE, () -> posted.stream().anyMatch(line -> line.startsWith("/repos/example/fleet/statuses/" + unsigned)));
                assertThat(posted).filteredOn(line -> line.contains(unsigned)).singleElement().asString()
                        .contains("\"state\":\"error\"").contains("not signed");
            }
        } finally {
            forge.stop(0);
        }
    }
}
