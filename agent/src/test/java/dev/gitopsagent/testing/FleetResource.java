package dev.gitopsagent.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Gives a {@code @QuarkusTest} agent a fleet to watch: a repository with one signed commit on a real
 * Git server, a control token and a webhook secret in owner-only files. Polling is slow (60 s) so
 * that what moves the agent in a test is the test's own trigger or webhook.
 */
public final class FleetResource implements QuarkusTestResourceLifecycleManager {

    public static final String CONTROL_TOKEN = "control-token-for-tests";
    public static final String WEBHOOK_SECRET = "webhook-secret-for-tests";

    private static Fleet fleet;

    public static Fleet fleet() {
        return fleet;
    }

    @Override
    public Map<String, String> start() {
        try {
            Path root = Files.createTempDirectory("gitops-http-test");
            fleet = Fleet.create(root);
            fleet.pushSigned(TestKeys.trustedSsh(), "first configuration");
            Map<String, String> properties = fleet.agentProperties();
            properties.put("gitops.poll.interval", "60s");
            properties.put("gitops.poll.max-backoff", "60s");
            properties.put("gitops.control.token-file", fleet.writeSecret("control-token", CONTROL_TOKEN).toString());
            properties.put("gitops.webhook.secret-file", fleet.writeSecret("webhook-secret", WEBHOOK_SECRET).toString());
            properties.put("gitops.webhook.min-interval", "0.2s");
            properties.put("gitops.trust.max-commit-age", "1h");
            properties.put("gitops.webhook.max-body-bytes", "65536");
            return properties;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void stop() {
        if (fleet != null) {
            fleet.close();
        }
    }
}
