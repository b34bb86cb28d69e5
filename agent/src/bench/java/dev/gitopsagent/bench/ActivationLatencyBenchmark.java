package dev.gitopsagent.bench;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import dev.gitopsagent.testing.AgentProcess;
import dev.gitopsagent.testing.Fleet;

/**
 * Push to "nixos-rebuild build started" with the packaged agent as a real process, fetching from
 * nginx + git http-backend: once with the webhook delivered right after the push, and with polling
 * only at two intervals. The start of the build is the line the nixos-rebuild double appends to its
 * invocation log as it starts.
 */
final class ActivationLatencyBenchmark {

    private static final String NAME = "push -> nixos-rebuild started";
    static final String SECRET = "bench-webhook-secret";
    private static final Duration THROTTLE = Duration.ofSeconds(2);

    private final int webhookRuns;
    private final int fastPollRuns;
    private final int slowPollRuns;

    ActivationLatencyBenchmark(int webhookRuns, int fastPollRuns, int slowPollRuns) {
        this.webhookRuns = webhookRuns;
        this.fastPollRuns = fastPollRuns;
        this.slowPollRuns = slowPollRuns;
    }

    void run(Path work, Report report) throws Exception {
        List<Double> webhook = new ArrayList<>();
        List<Double> slowPoll = new ArrayList<>();
        try (Fleet fleet = Fleet.create(work.resolve("slow"));
                NginxGitServer server = NginxGitServer.start(Files.createDirectories(work.resolve("slow/nginx")), fleet.remote().getParent())) {
            try (AgentProcess agent = start(fleet, server, "60s", work.resolve("slow/agent.log"))) {
                for (int i = 0; i < webhookRuns; i++) {
                    int builds = builds(fleet);
                    fleet.pushChange("webhook " + i);
                    long pushed = System.nanoTime();
                    deliverWebhook(agent);
                    webhook.add(awaitBuild(fleet, builds, pushed, Duration.ofSeconds(30)));
                    awaitSwitch(fleet, builds + 1);
                    Thread.sleep(THROTTLE.toMillis() + 100);
                }
                slowPoll.addAll(pollOnly(fleet, Duration.ofSeconds(60), slowPollRuns));
            }
        }
        List<Double> fastPoll;
        try (Fleet fleet = Fleet.create(work.resolve("fast"));
                NginxGitServer server = NginxGitServer.start(Files.createDirectories(work.resolve("fast/nginx")), fleet.remote().getParent())) {
            try (AgentProcess agent = start(fleet, server, "5s", work.resolve("fast/agent.log"))) {
                fastPoll = pollOnly(fleet, Duration.ofSeconds(5), fastPollRuns);
            }
        }
        Samples hooked = Samples.of(webhook);
        report.add(latencyRow("agent with webhook (poll interval 60s)", hooked, "webhook POSTed right after the push"));
        report.add(latencyRow("agent, polling only, interval 5s", Samples.of(fastPoll), "push at a random moment of the interval"));
        report.add(latencyRow("agent, polling only, interval 60s", Samples.of(slowPoll), "push at a random moment of the interval"));
        report.add(new TargetCheck("webhook push -> nixos-rebuild started < 1 s",
                String.format(Locale.ROOT, "median %s, p95 %s", Row.millis(hooked.median()), Row.millis(hooked.p95())), hooked.p95() < 1000));
    }

    private static Row latencyRow(String subject, Samples samples, String note) {
        return Row.figure(NAME, subject, samples.count(), Row.millis(samples.median()), Row.millis(samples.p95()), note);
    }

    private static AgentProcess start(Fleet fleet, NginxGitServer server, String interval, Path log) throws Exception {
        fleet.pushChange("initial");
        Map<String, String> properties = fleet.agentProperties();
        properties.put("gitops.repository.url", server.url(Fleet.REPO).toString());
        properties.put("gitops.poll.interval", interval);
        properties.put("gitops.poll.max-backoff", "15m");
        properties.put("gitops.webhook.secret-file", WorkDirs.secret(fleet.root().resolve("secrets/webhook"), SECRET).toString());
        AgentProcess agent = AgentProcess.start(log, properties);
        awaitSwitch(fleet, 1);
        return agent;
    }

    /** Pushes at a random point of the poll interval, so the figures are not locked to the agent's cadence. */
    private static List<Double> pollOnly(Fleet fleet, Duration interval, int runs) throws Exception {
        List<Double> latencies = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            Thread.sleep(ThreadLocalRandom.current().nextLong(interval.toMillis()));
            int builds = builds(fleet);
            fleet.pushChange("poll " + interval + " " + i);
            long pushed = System.nanoTime();
            latencies.add(awaitBuild(fleet, builds, pushed, interval.multipliedBy(2).plusSeconds(30)));
            awaitSwitch(fleet, builds + 1);
        }
        return latencies;
    }

    private static void deliverWebhook(AgentProcess agent) throws Exception {
        HttpResponse<String> response = agent.send(webhook(agent.url("/webhook")));
        requireAccepted(response);
    }

    /** A push event for main, signed with {@link #SECRET} as a forge signs it. */
    static HttpRequest webhook(java.net.URI url) throws Exception {
        byte[] body = "{\"ref\":\"refs/heads/main\"}".getBytes(StandardCharsets.UTF_8);
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        String signature = "sha256=" + HexFormat.of().formatHex(mac.doFinal(body));
        return HttpRequest.newBuilder(url)
                .header("Content-Type", "application/json")
                .header("X-Hub-Signature-256", signature)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
    }

    static void requireAccepted(HttpResponse<String> response) {
        if (response.statusCode() != 202) {
            throw new IllegalStateException("webhook answered " + response.statusCode() + ": " + response.body());
        }
    }

    /** Milliseconds from {@code pushed} until the double logged one more build than {@code before}. */
    static double awaitBuild(Fleet fleet, int before, long pushed, Duration timeout) throws InterruptedException {
        long deadline = pushed + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (builds(fleet) > before) {
                return (System.nanoTime() - pushed) / 1e6;
            }
            Thread.sleep(1);
        }
        throw new IllegalStateException("no build started within " + timeout + "; invocations: " + fleet.host().invocations());
    }

    static void awaitSwitch(Fleet fleet, int switches) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            if (count(fleet, "nixos-rebuild switch") >= switches) {
                // The agent records the deployment after switch returns; give it a moment before the next push.
                Thread.sleep(200);
                return;
            }
            Thread.sleep(5);
        }
        throw new IllegalStateException("switch #" + switches + " did not happen; invocations: " + fleet.host().invocations());
    }

    static int builds(Fleet fleet) {
        return count(fleet, "nixos-rebuild build");
    }

    private static int count(Fleet fleet, String prefix) {
        return (int) fleet.host().invocations().stream().filter(line -> line.startsWith(prefix)).count();
    }
}
