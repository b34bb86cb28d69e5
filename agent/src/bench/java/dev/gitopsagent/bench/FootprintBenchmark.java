package dev.gitopsagent.bench;

import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.gitopsagent.testing.Fleet;

/**
 * The packaged agent's memory after 100 polls and its time from launch to ready (first reconcile
 * done), per set of JVM options. Polls are driven through POST /control/trigger so 100 of them do
 * not take 100 intervals.
 */
final class FootprintBenchmark {

    static final String TOKEN = "bench-control-token";
    private static final String POLLS_OK = "gitops_polls_total{result=\"ok\"}";

    private final int polls;
    private final int restarts;
    private final Duration idle;

    FootprintBenchmark(int polls, int restarts, Duration idle) {
        this.polls = polls;
        this.restarts = restarts;
        this.idle = idle;
    }

    void run(Path work, List<JvmProfile> profiles, Report report) throws Exception {
        double recommendedRss = -1;
        for (JvmProfile profile : profiles) {
            double rss = measure(work.resolve(profile.name().replaceAll("[^A-Za-z0-9]+", "-")), profile, report);
            if (profile == JvmProfile.RECOMMENDED) {
                recommendedRss = rss;
            }
        }
        report.note("JVM options of the 'recommended' profile: `" + JvmProfile.RECOMMENDED.describe() + "`");
        if (recommendedRss > 0) {
            report.add(new TargetCheck("idle RSS < 80 MiB (recommended JVM options)", Row.mebibytes(recommendedRss),
                    recommendedRss < 80 * (1 << 20)));
        }
    }

    private double measure(Path dir, JvmProfile profile, Report report) throws Exception {
        try (Fleet fleet = Fleet.create(dir.resolve("fleet"));
                NginxGitServer server = NginxGitServer.start(Files.createDirectories(dir.resolve("nginx")), fleet.remote().getParent())) {
            fleet.pushChange("initial");
            Map<String, String> properties = fleet.agentProperties();
            properties.put("gitops.repository.url", server.url(Fleet.REPO).toString());
            properties.put("gitops.poll.interval", "1h");
            properties.put("gitops.poll.max-backoff", "2h");
            properties.put("gitops.control.token-file", WorkDirs.secret(dir.resolve("secrets/token"), TOKEN).toString());
            Duration firstStart;
            long rss;
            long peak;
            double heapUsed;
            double heapCommitted;
            try (AgentJvm agent = AgentJvm.launch(dir.resolve("agent-0.log"), profile.options(), profile.environment(), properties)) {
                firstStart = agent.awaitReady(Duration.ofSeconds(120));
                for (int i = 0; i < polls; i++) {
                    pollOnce(agent);
                }
                Thread.sleep(idle.toMillis());
                rss = agent.residentBytes();
                peak = agent.peakResidentBytes();
                String metrics = agent.get("/q/metrics");
                heapUsed = PrometheusText.sum(metrics, "jvm_memory_used_bytes{area=\"heap\"");
                heapCommitted = PrometheusText.sum(metrics, "jvm_memory_committed_bytes{area=\"heap\"");
            }
            List<Double> restartMillis = new ArrayList<>();
            for (int i = 1; i <= restarts; i++) {
                try (AgentJvm agent = AgentJvm.launch(dir.resolve("agent-" + i + ".log"), profile.options(), profile.environment(), properties)) {
                    restartMillis.add(agent.awaitReady(Duration.ofSeconds(120)).toNanos() / 1e6);
                }
            }
            String subject = "agent, " + profile.name();
            report.add(Row.figure("idle RSS after " + polls + " polls", subject, 1, Row.mebibytes(rss), "-",
                    "peak RSS " + Row.mebibytes(peak) + "; " + profile.describe()));
            report.add(Row.figure("heap after " + polls + " polls", subject, 1, Row.mebibytes(heapUsed), "-",
                    "used; committed " + Row.mebibytes(heapCommitted)));
            report.add(Row.figure("startup to ready (first start, incl. initial deploy)", subject, 1, Row.millis(firstStart.toNanos() / 1e6),
                    "-", "launch -> /q/health/ready 200"));
            Samples restartsSamples = Samples.of(restartMillis);
            report.add(Row.figure("startup to ready (restart, state kept)", subject, restartsSamples.count(),
                    Row.millis(restartsSamples.median()), Row.millis(restartsSamples.p95()), "launch -> /q/health/ready 200"));
            return rss;
        }
    }

    /** Asks for a reconcile and waits until the poll counter shows it finished. */
    static void pollOnce(AgentJvm agent) throws Exception {
        double before = PrometheusText.sum(agent.get("/q/metrics"), POLLS_OK);
        var response = agent.send(HttpRequest.newBuilder(agent.url("/control/trigger"))
                .header("Authorization", "Bearer " + TOKEN).POST(HttpRequest.BodyPublishers.noBody()).build());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("trigger answered " + response.statusCode() + ": " + response.body());
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (PrometheusText.sum(agent.get("/q/metrics"), POLLS_OK) <= before) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("poll did not finish");
            }
            Thread.sleep(2);
        }
    }
}
