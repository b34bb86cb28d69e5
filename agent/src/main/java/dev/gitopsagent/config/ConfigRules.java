package dev.gitopsagent.config;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The rules on single values that the configuration's types do not carry: ranges, patterns, no blank
 * commands. Checked first at startup ({@code AgentWiring.startupChecks}); the first value that breaks
 * its rule stops the agent with its key, the rule and the value.
 *
 * <p>Plain code rather than bean-validation annotations: Hibernate Validator built its metadata for
 * these interfaces at every JVM start, about 1 s of CPU and 7 MiB (README, Benchmarks), for some thirty
 * comparisons.
 */
public final class ConfigRules {

    private static final String GIT_URL_RULE = "must be an https://, http://, ssh://, file:// URL, an absolute path or user@host:path";
    private static final String HTTP_URL_RULE = "must be an http:// or https:// URL";

    private static final Pattern GIT_URL = Pattern.compile("^(https?://|ssh://|file://|/|[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:).+");
    private static final Pattern BRANCH_NAME = Pattern.compile("^(?!.*\\.\\.)(?!/)(?!.*//)[A-Za-z0-9._/-]+(?<!/)(?<!\\.lock)$");
    private static final Pattern COMMIT_ID = Pattern.compile("^[0-9a-f]{40}$");
    private static final Pattern HTTP_URL = Pattern.compile("^https?://.+");
    private static final Pattern CACHE_URL = Pattern.compile("^(https?|file|s3|ssh|ssh-ng)://\\S+$");
    private static final Pattern CACHE_KEY = Pattern.compile("^[A-Za-z0-9._+-]+:[A-Za-z0-9+/]+={0,2}$");
    private static final Pattern COMMIT_URL = Pattern.compile("^https?://[^\\s\"'<>`]*\\{commit\\}[^\\s\"'<>`]*$");

    private ConfigRules() {
    }

    public static void check(AgentConfig config) {
        matches("gitops.host", config.host(), HostName.PATTERN, HostName.RULE);
        AgentConfig.Repository repository = config.repository();
        matches("gitops.repository.url", repository.url(), GIT_URL, GIT_URL_RULE);
        eachMatches("gitops.repository.mirrors", repository.mirrors(), GIT_URL, GIT_URL_RULE);
        matches("gitops.repository.branch", Optional.of(repository.branch()), BRANCH_NAME, "must be a plain branch name such as main");
        atLeast("gitops.repository.fetch.max-bytes", repository.fetch().maxBytes(), 1);
        atLeast("gitops.repository.fetch.max-objects", repository.fetch().maxObjects(), 1);
        atLeast("gitops.repository.fetch.max-object-bytes", repository.fetch().maxObjectBytes(), 1);
        matches("gitops.testing.branch", config.testing().branch(), BRANCH_NAME, "must be a plain branch name such as testing-web1");
        matches("gitops.trust.root-commit", config.trust().rootCommit(), COMMIT_ID, "must be a full 40-character commit id");

        AgentConfig.Deploy deploy = config.deploy();
        notBlank("gitops.deploy.command", deploy.command());
        between("gitops.deploy.history-size", deploy.historySize(), 1, 10_000);
        between("gitops.deploy.output-tail-lines", deploy.outputTailLines(), 1, 10_000);
        deploy.keepGenerations().ifPresent(n -> between("gitops.deploy.keep-generations", n, 1, 10_000));
        notBlank("gitops.deploy.reboot.command", deploy.reboot().command());
        eachMatches("gitops.deploy.cache.substituters", deploy.cache().substituters(), CACHE_URL,
                "must be a binary cache URL (https://, http://, file://, s3://, ssh://, ssh-ng://)");
        eachMatches("gitops.deploy.cache.trusted-public-keys", deploy.cache().trustedPublicKeys(), CACHE_KEY,
                "must be a Nix public key, name:base64 (e.g. ci.example.org-1:AbC...=)");
        notBlank("gitops.deploy.cache.nix-command", deploy.cache().nixCommand());

        config.rollout().wave().ifPresent(wave -> between("gitops.rollout.wave", wave, 0, 1_000));
        between("gitops.rollout.waves", config.rollout().waves(), 1, 1_000);
        config.rollout().forgeGate().minSuccesses().ifPresent(n -> between("gitops.rollout.forge-gate.min-successes", n, 1, 10_000));

        AgentConfig.Hooks hooks = config.hooks();
        hooks.onSuccess().ifPresent(command -> notBlank("gitops.hooks.on-success", command));
        hooks.onFailure().ifPresent(command -> notBlank("gitops.hooks.on-failure", command));
        hooks.onRefusal().ifPresent(command -> notBlank("gitops.hooks.on-refusal", command));
        hooks.onRollback().ifPresent(command -> notBlank("gitops.hooks.on-rollback", command));
        for (Map.Entry<String, AgentConfig.Notification> notification : config.notifications().entrySet()) {
            matches("gitops.notify." + notification.getKey() + ".url", Optional.of(notification.getValue().url()), HTTP_URL, HTTP_URL_RULE);
        }

        AgentConfig.Health health = config.health();
        health.units().ifPresent(units -> units.forEach(unit -> notBlank("gitops.health.units", unit)));
        eachMatches("gitops.health.http-probes", health.httpProbes(), HTTP_URL, HTTP_URL_RULE);
        health.commands().ifPresent(commands -> commands.forEach(command -> notBlank("gitops.health.commands", command)));

        config.forge().ifPresent(forge -> {
            matches("gitops.forge.api-url", Optional.of(forge.apiUrl()), HTTP_URL, HTTP_URL_RULE);
            notBlank("gitops.forge.repository", forge.repository());
        });
        matches("gitops.status-page.commit-url", config.statusPage().commitUrl(), COMMIT_URL,
                "must be an http:// or https:// URL containing {commit}, e.g. https://github.com/example/fleet/commit/{commit}");
        between("gitops.status-page.refresh-seconds", config.statusPage().refreshSeconds(), 1, 3_600);
        atLeast("gitops.webhook.max-body-bytes", config.webhook().maxBodyBytes(), 1);
    }

    private static void matches(String key, Optional<String> value, Pattern pattern, String rule) {
        value.ifPresent(v -> {
            if (!pattern.matcher(v).matches()) {
                throw new InvalidConfigException(key, rule + ", not '" + v + "'");
            }
        });
    }

    private static void eachMatches(String key, Optional<List<String>> values, Pattern pattern, String rule) {
        values.ifPresent(list -> list.forEach(v -> matches(key, Optional.of(v), pattern, rule)));
    }

    private static void notBlank(String key, String value) {
        if (value.isBlank()) {
            throw new InvalidConfigException(key, "must not be blank");
        }
    }

    private static void atLeast(String key, long value, long least) {
        if (value < least) {
            throw new InvalidConfigException(key, "must be at least " + least + ", not " + value);
        }
    }

    private static void between(String key, long value, long least, long most) {
        if (value < least || value > most) {
            throw new InvalidConfigException(key, "must be between " + least + " and " + most + ", not " + value);
        }
    }
}
