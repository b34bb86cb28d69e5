package dev.gitopsagent;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.gitopsagent.testing.AgentProcess;
import dev.gitopsagent.testing.Chromium;
import dev.gitopsagent.testing.Fleet;
import dev.gitopsagent.testing.ProcessResult;
import dev.gitopsagent.testing.Prometheus;
import dev.gitopsagent.testing.SampleFlake;
import dev.gitopsagent.testing.TestKeys;

/**
 * The fleet view in {@code config-repo-template/monitoring/}, checked with Debian's Prometheus:
 * promtool accepts the configuration and rules, the rules fire over series scraped from a running
 * agent, and a real Prometheus scraping two agents raises the refusal alert for the one that refused.
 */
class MonitoringIT {

    private static final Path MONITORING = Path.of("..", "config-repo-template", "monitoring").toAbsolutePath().normalize();
    private static final Pattern SAMPLE = Pattern.compile("^(gitops_[a-z_]+)(\\{[^}]*\\})? (\\S+)$", Pattern.MULTILINE);
    private static final Pattern METRIC_NAME = Pattern.compile("gitops_[a-z_]+");
    private static final List<String> ALERTS = List.of("GitopsAgentDown", "GitopsHeadRefused", "GitopsDeploymentFailed",
            "GitopsAutomaticRollback", "GitopsRollbackFailed", "GitopsHeadStale", "GitopsSuspendedTooLong", "GitopsRemoteUnreachable",
            "GitopsWaitingForCache");

    @TempDir
    Path dir;

    @Test
    void shippedScrapeConfigurationAndAlertRulesPassPromtool() {
        assertPromtool(Prometheus.promtool(MONITORING, "check", "config", "prometheus.yml"));
        assertPromtool(Prometheus.promtool(MONITORING, "check", "rules", "alerts.yml"));
        assertPromtool(Prometheus.promtool(MONITORING, "test", "rules", "alerts.test.yml"));
    }

    @Test
    void rulesAndDashboardUseOnlyMetricsTheAgentExportsAndTheRefusalAlertFiresOverItsRealSeries() throws Exception {
        try (Fleet fleet = Fleet.create(dir.resolve("fleet"))) {
            String first = fleet.pushSigned(TestKeys.trustedSsh(), "first configuration");
            try (AgentProcess agent = AgentProcess.start(dir.resolve("agent.log"), fleet.agentProperties())) {
                agent.awaitStatus(status -> first.equals(status.path("deployedCommit").asText()));
                String deployed = agent.get("/q/metrics").body();
                SampleFlake.changeMotd(fleet.work(), Fleet.HOST, "unsigned");
                fleet.pushUnsigned("unsigned change");
                agent.awaitStatus(status -> "REFUSED".equals(status.path("lastDecision").path("outcome").asText()));
                String refused = agent.get("/q/metrics").body();

                Set<String> exported = new TreeSet<>();
                SAMPLE.matcher(refused).results().forEach(sample -> exported.add(sample.group(1)));
                assertThat(exported).as("metric names in alerts.yml and grafana-dashboard.json")
                        .containsAll(metricNames(Files.readString(MONITORING.resolve("alerts.yml"))))
                        .containsAll(metricNames(Files.readString(MONITORING.resolve("grafana-dashboard.json"))));

                Path test = dir.resolve("scraped.test.yml");
                Files.writeString(test, promtoolTest(series(deployed), series(refused)));
                assertPromtool(Prometheus.promtool(dir, "test", "rules", test.toString()));
            }
        }
    }

    @Test
    void prometheusScrapingTwoAgentsFiresTheRefusalAlertForTheOneThatRefusedAnUnsignedHead() throws Exception {
        Chromium chromium = Chromium.find(dir.resolve("chromium")).waitingForScripts(Duration.ofSeconds(10));
        try (Fleet quiet = Fleet.create(dir.resolve("fleet1")); Fleet refusing = Fleet.create(dir.resolve("fleet2"))) {
            String first = quiet.pushSigned(TestKeys.trustedSsh(), "first configuration");
            String second = refusing.pushSigned(TestKeys.trustedSsh(), "first configuration");
            try (AgentProcess web1 = AgentProcess.start(dir.resolve("web1.log"), quiet.agentProperties());
                    AgentProcess web2 = AgentProcess.start(dir.resolve("web2.log"), refusing.agentProperties())) {
                web1.awaitStatus(status -> first.equals(status.path("deployedCommit").asText()));
                web2.awaitStatus(status -> second.equals(status.path("deployedCommit").asText()));
                Path config = Files.writeString(dir.resolve("prometheus.yml"), """
                        # Short intervals so the test does not wait; the rules are the shipped ones.
                        global: { scrape_interval: 1s, evaluation_interval: 1s }
                        rule_files: [ "%s" ]
                        scrape_configs:
                          - job_name: gitops-agent
                            metrics_path: /q/metrics
                            static_configs:
                              - { targets: [ "127.0.0.1:%d" ], labels: { host: web1 } }
                              - { targets: [ "127.0.0.1:%d" ], labels: { host: web2 } }
                        """.formatted(MONITORING.resolve("alerts.yml"), web1.port(), web2.port()));
                try (Prometheus prometheus = Prometheus.start(config, dir.resolve("prometheus"))) {
                    await(() -> prometheus.query("count(up{job=\"gitops-agent\"} == 1)").path("result").path(0).path("value").path(1)
                            .asText().equals("2"), "both agents scraped", prometheus);

                    SampleFlake.changeMotd(refusing.work(), Fleet.HOST, "unsigned");
                    refusing.pushUnsigned("unsigned change");

                    await(() -> firing(prometheus, "GitopsHeadRefused").contains("web2"), "GitopsHeadRefused firing for web2", prometheus);
                    assertThat(firing(prometheus, "GitopsHeadRefused")).containsExactly("web2");
                    assertThat(prometheus.alerts()).allSatisfy(alert -> assertThat(alert.path("labels").path("alertname").asText())
                            .isEqualTo("GitopsHeadRefused"));
                    for (String query : dashboardQueries()) {
                        prometheus.query(query.replace("$host", "web2").replace("$__rate_interval", "1m"));
                    }
                    chromium.screenshot(prometheus.url("/classic/alerts"), Path.of("target", "screenshots", "alert-firing.png"), 1100, 340);
                    chromium.screenshot(prometheus.url("/classic/graph?g0.tab=1&g0.expr=" + URLEncoder.encode("ALERTS{alertstate=\"firing\"}",
                            StandardCharsets.UTF_8)), Path.of("target", "screenshots", "alert-firing-labels.png"), 1100, 460);
                }
            }
        }
    }

    /** Every {@code expr} of the Grafana dashboard. */
    private static List<String> dashboardQueries() throws IOException {
        List<String> queries = new ArrayList<>();
        new ObjectMapper().readTree(MONITORING.resolve("grafana-dashboard.json").toFile()).findValues("expr")
                .forEach(expr -> queries.add(expr.asText()));
        assertThat(queries).isNotEmpty();
        return queries;
    }

    /** The {@code host} labels of the firing alerts named {@code name}. */
    private static List<String> firing(Prometheus prometheus, String name) {
        List<String> hosts = new ArrayList<>();
        for (JsonNode alert : prometheus.alerts()) {
            if (name.equals(alert.path("labels").path("alertname").asText()) && "firing".equals(alert.path("state").asText())) {
                hosts.add(alert.path("labels").path("host").asText());
            }
        }
        return hosts;
    }

    private static Set<String> metricNames(String text) {
        Set<String> names = new TreeSet<>();
        METRIC_NAME.matcher(text).results().forEach(name -> names.add(name.group()));
        return names;
    }

    /** Series name with labels → value, from the Prometheus text format; NaN (not known yet) is left out. */
    private static Map<String, String> series(String metrics) {
        Map<String, String> series = new LinkedHashMap<>();
        Matcher sample = SAMPLE.matcher(metrics);
        while (sample.find()) {
            if (!sample.group(3).equals("NaN")) {
                String labels = sample.group(2) == null ? "" : sample.group(2).substring(1, sample.group(2).length() - 1);
                series.put(sample.group(1) + "{" + (labels.isEmpty() ? "" : labels + ",") + "job=\"gitops-agent\",instance=\"web1:9420\",host=\"web1\"}",
                        sample.group(3));
            }
        }
        return series;
    }

    /**
     * A promtool unit test over the agent's own series: ten minutes as scraped after the deployment,
     * then twenty as scraped after the refusal. Only the refusal alert may fire, and only after it.
     */
    private static String promtoolTest(Map<String, String> before, Map<String, String> after) throws IOException {
        StringBuilder yaml = new StringBuilder("rule_files: [ \"" + MONITORING.resolve("alerts.yml") + "\" ]\nevaluation_interval: 1m\n")
                .append("tests:\n  - interval: 1m\n    input_series:\n")
                .append("      - series: 'up{job=\"gitops-agent\",instance=\"web1:9420\",host=\"web1\"}'\n        values: \"1x30\"\n");
        Set<String> names = new TreeSet<>(before.keySet());
        names.addAll(after.keySet());
        for (String name : names) {
            yaml.append("      - series: '").append(name).append("'\n        values: \"")
                    .append(before.containsKey(name) ? before.get(name) : "_").append("x9 ")
                    .append(after.containsKey(name) ? after.get(name) : "_").append("x20\"\n");
        }
        yaml.append("    alert_rule_test:\n");
        yaml.append("      - { eval_time: 5m, alertname: GitopsHeadRefused, exp_alerts: [] }\n");
        String alerts = Files.readString(MONITORING.resolve("alerts.yml"));
        yaml.append("      - eval_time: 15m\n        alertname: GitopsHeadRefused\n        exp_alerts:\n")
                .append("          - exp_labels: { severity: critical, job: gitops-agent, instance: \"web1:9420\", host: web1 }\n")
                .append("            exp_annotations:\n")
                .append("              summary: ").append(annotation(alerts, "GitopsHeadRefused", "summary")).append('\n')
                .append("              description: ").append(annotation(alerts, "GitopsHeadRefused", "description")).append('\n');
        for (String other : ALERTS) {
            if (!other.equals("GitopsHeadRefused")) {
                yaml.append("      - { eval_time: 15m, alertname: ").append(other).append(", exp_alerts: [] }\n");
            }
        }
        return yaml.toString();
    }

    /** An annotation of alerts.yml as it reads for host web1, still a quoted YAML string. */
    private static String annotation(String alerts, String alert, String key) {
        int rule = alerts.indexOf("alert: " + alert + "\n");
        Matcher line = Pattern.compile("^ +" + key + ": (\".*\")$", Pattern.MULTILINE).matcher(alerts);
        assertThat(rule).as(alert + " in alerts.yml").isNotNegative();
        assertThat(line.find(rule)).as(key + " of " + alert).isTrue();
        return line.group(1).replace("{{ $labels.host }}", "web1").replace("{{ $labels.instance }}", "web1:9420");
    }

    private static void assertPromtool(ProcessResult result) {
        assertThat(result.exitCode()).as("%s\n%s%s", result.command(), result.stdout(), result.stderr()).isZero();
    }

    private static void await(java.util.function.BooleanSupplier condition, String what, Prometheus prometheus) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + " not seen within 90 s; alerts: " + prometheus.alerts() + "\n" + prometheus.output());
            }
            Thread.sleep(250);
        }
    }
}
