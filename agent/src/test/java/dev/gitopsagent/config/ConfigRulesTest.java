package dev.gitopsagent.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.gitopsagent.TestAgent;

/** Every rule on a single configuration value: the value past its edge stops startup naming the key, the rule and the value; the edge itself passes. */
class ConfigRulesTest {

    private static final Map<String, String> FORGE = Map.of("gitops.forge.type", "github", "gitops.forge.api-url", "https://api.github.com",
            "gitops.forge.repository", "example/fleet", "gitops.forge.token-file", "/run/secrets/forge");

    static Stream<Arguments> rules() {
        return Stream.of(
                // key, a value past the rule, what the message says, a value at its edge
                Arguments.of("gitops.host", "bad host!", "must be a host name of letters, digits", "web-1_a"),
                Arguments.of("gitops.repository.url", "ftp://example.org/fleet.git", "must be an https://, http://, ssh://, file:// URL",
                        "git@example.org:fleet.git"),
                Arguments.of("gitops.repository.mirrors", "https://a.example/fleet.git,gopher://b", "must be an https://, http://, ssh://",
                        "https://a.example/fleet.git,/srv/fleet.git"),
                Arguments.of("gitops.repository.branch", "main..x", "must be a plain branch name such as main", "release/2026.11"),
                Arguments.of("gitops.repository.branch", "main.lock", "must be a plain branch name such as main", "main"),
                Arguments.of("gitops.repository.fetch.max-bytes", "0", "must be at least 1", "1"),
                Arguments.of("gitops.repository.fetch.max-objects", "-5", "must be at least 1", "1"),
                Arguments.of("gitops.repository.fetch.max-object-bytes", "0", "must be at least 1", "1"),
                Arguments.of("gitops.testing.branch", "/testing", "must be a plain branch name such as testing-web1", "testing-web1"),
                Arguments.of("gitops.trust.root-commit", "abc123", "must be a full 40-character commit id", "0123456789abcdef0123456789abcdef01234567"),
                Arguments.of("gitops.deploy.command", " ", "must not be blank", "/run/current-system/sw/bin/nixos-rebuild"),
                Arguments.of("gitops.deploy.history-size", "0", "must be between 1 and 10000", "10000"),
                Arguments.of("gitops.deploy.output-tail-lines", "10001", "must be between 1 and 10000", "1"),
                Arguments.of("gitops.deploy.keep-generations", "0", "must be between 1 and 10000", "1"),
                Arguments.of("gitops.deploy.reboot.command", " ", "must not be blank", "systemctl kexec"),
                Arguments.of("gitops.deploy.cache.substituters", "https://cache.example.org,cache.example.org", "must be a binary cache URL",
                        "s3://bucket?region=eu-1,ssh-ng://builder"),
                Arguments.of("gitops.deploy.cache.trusted-public-keys", "ci.example.org-1", "must be a Nix public key", "ci.example.org-1:AbC+/0=="),
                Arguments.of("gitops.deploy.cache.nix-command", " ", "must not be blank", "nix"),
                Arguments.of("gitops.rollout.wave", "1001", "must be between 0 and 1000", "0"),
                Arguments.of("gitops.rollout.waves", "0", "must be between 1 and 1000", "1000"),
                Arguments.of("gitops.rollout.forge-gate.min-successes", "0", "must be between 1 and 10000", "10000"),
                Arguments.of("gitops.hooks.on-success", " ", "must not be blank", "true"),
                Arguments.of("gitops.hooks.on-failure", " ", "must not be blank", "true"),
                Arguments.of("gitops.hooks.on-refusal", " ", "must not be blank", "true"),
                Arguments.of("gitops.hooks.on-rollback", " ", "must not be blank", "true"),
                Arguments.of("gitops.notify.chat.url", "chat.example.org/hook", "must be an http:// or https:// URL", "https://chat.example.org/hook"),
                Arguments.of("gitops.health.units", "nginx.service, ", "must not be blank", "nginx.service,postgresql.service"),
                Arguments.of("gitops.health.http-probes", "localhost:80", "must be an http:// or https:// URL", "http://localhost/"),
                Arguments.of("gitops.health.commands", " ", "must not be blank", "true"),
                Arguments.of("gitops.forge.api-url", "api.github.com", "must be an http:// or https:// URL", "http://gitea.local/api/v1"),
                Arguments.of("gitops.forge.repository", " ", "must not be blank", "example/fleet"),
                Arguments.of("gitops.status-page.commit-url", "https://example.org/commit/", "containing {commit}",
                        "https://example.org/fleet/commit/{commit}"),
                Arguments.of("gitops.status-page.refresh-seconds", "3601", "must be between 1 and 3600", "3600"),
                Arguments.of("gitops.webhook.max-body-bytes", "0", "must be at least 1", "1"));
    }

    @ParameterizedTest(name = "{0}={1}")
    @MethodSource("rules")
    void aValuePastItsRuleStopsStartupNamingKeyRuleAndValue(String key, String bad, String rule, String edge) {
        assertThatThrownBy(() -> ConfigRules.check(config(key, bad))).isInstanceOfSatisfying(InvalidConfigException.class, e -> {
            assertThat(e.key()).isEqualTo(key);
            assertThat(e.getMessage()).startsWith(key + " ").contains(rule);
            if (!rule.equals("must not be blank")) {
                // the value refused (of a list, the element), as the agent read it
                assertThat(e.getMessage()).endsWith(", not " + quoted(bad.substring(bad.lastIndexOf(',') + 1)));
            }
        });
        assertThatCode(() -> ConfigRules.check(config(key, edge))).as("%s=%s", key, edge).doesNotThrowAnyException();
    }

    /** The port is read by Quarkus too, which binds it right after the startup checks: it is refused as it is read. */
    @org.junit.jupiter.api.Test
    void aPortOutOfRangeIsRefusedAsTheConfigurationIsRead() {
        assertThatThrownBy(() -> TestAgent.configFrom(Map.of("gitops.http.port", "65536"))).hasStackTraceContaining("gitops.http.port")
                .hasStackTraceContaining("must be between 0 and 65535, not 65536");
        assertThatThrownBy(() -> TestAgent.configFrom(Map.of("gitops.http.port", "-1"))).hasStackTraceContaining("not -1");
        assertThat(TestAgent.configFrom(Map.of("gitops.http.port", "65535")).http().port()).isEqualTo(65535);
        assertThat(TestAgent.configFrom(Map.of("gitops.http.port", "0")).http().port()).isZero();
    }

    private static String quoted(String value) {
        return value.matches("-?\\d+") ? value : "'" + value + "'";
    }

    private static AgentConfig config(String key, String value) {
        Map<String, String> properties = new HashMap<>();
        if (key.startsWith("gitops.forge.")) {
            properties.putAll(FORGE);
        }
        if (key.startsWith("gitops.notify.")) {
            properties.put("gitops.notify.chat.format", "json");
        }
        properties.put(key, value);
        return TestAgent.configFrom(properties);
    }
}
