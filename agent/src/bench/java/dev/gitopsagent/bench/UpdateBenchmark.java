package dev.gitopsagent.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;

import dev.gitopsagent.testing.Fleet;

/**
 * A 1-commit update against nginx + git http-backend: the packaged agent (recommended JVM options,
 * long running, woken by a webhook) from push to "nixos-rebuild build started", against what a
 * script would run on the same push, {@code git fetch} + {@code git verify-commit} of the new head
 * in an up-to-date bare clone. Interleaved, each side on a push of its own.
 */
final class UpdateBenchmark {

    private static final String NAME = "1-commit update, push -> build started";
    private static final Duration MIN_INTERVAL = Duration.ofMillis(2100);

    private final int warmup;
    private final int runs;

    UpdateBenchmark(int warmup, int runs) {
        this.warmup = warmup;
        this.runs = runs;
    }

    void run(Path work, Report report) throws Exception {
        try (Fleet fleet = Fleet.create(work.resolve("fleet"));
                NginxGitServer server = NginxGitServer.start(Files.createDirectories(work.resolve("nginx")), fleet.remote().getParent())) {
            fleet.pushChange("initial");
            String url = server.url(Fleet.REPO).toString();
            Map<String, String> properties = fleet.agentProperties();
            properties.put("gitops.repository.url", url);
            properties.put("gitops.poll.interval", "60s");
            properties.put("gitops.poll.max-backoff", "15m");
            properties.put("gitops.webhook.secret-file",
                    WorkDirs.secret(fleet.root().resolve("secrets/webhook"), ActivationLatencyBenchmark.SECRET).toString());
            Path home = Files.createDirectories(work.resolve("git-home"));
            ShellTimer shell = new ShellTimer(GitEnvironment.withHome(home), work);
            shell.time(work, ShellTimer.command("git", "clone", "-q", "--bare", url, "cli.git"));
            Path clone = work.resolve("cli.git");
            String fetchAndVerify = ShellTimer.command("git", "fetch", "-q", "--no-tags", url, "+refs/heads/main:refs/heads/main") + " && "
                    + ShellTimer.command("git", "-c", "gpg.ssh.allowedSignersFile=" + properties.get("gitops.trust.allowed-signers"),
                            "verify-commit", "refs/heads/main") + " 2>/dev/null";
            ServerSeries agentRuns = new ServerSeries();
            ServerSeries gitRuns = new ServerSeries();
            String loadBefore = ProcStat.loadAverage();
            try (AgentJvm agent = AgentJvm.launch(work.resolve("agent.log"), JvmProfile.RECOMMENDED.options(),
                    JvmProfile.RECOMMENDED.environment(), properties)) {
                agent.awaitReady(Duration.ofMinutes(2));
                ActivationLatencyBenchmark.awaitSwitch(fleet, 1);
                for (int i = 0; i < warmup + runs; i++) {
                    // Webhooks closer than gitops.webhook.min-interval (2 s) are collapsed and deferred: keep clear of it.
                    Thread.sleep(MIN_INTERVAL.toMillis());
                    int builds = ActivationLatencyBenchmark.builds(fleet);
                    fleet.pushChange("agent " + i);
                    var woken = server.measure(() -> wakeAndAwaitBuild(agent, fleet, builds));
                    ActivationLatencyBenchmark.awaitSwitch(fleet, builds + 1);
                    fleet.pushChange("git " + i);
                    var fetched = server.measure(() -> shell.time(clone, fetchAndVerify));
                    if (i >= warmup) {
                        agentRuns.add(woken.result(), woken.load());
                        gitRuns.add(fetched.result(), fetched.load());
                    }
                }
            }
            report.add(ServerRow.of(NAME, "agent, packaged, recommended JVM options, webhook", agentRuns,
                    "wall = webhook POST sent -> nixos-rebuild double started; no client CPU measured"));
            report.add(ServerRow.of(NAME, "git fetch + git verify-commit (up-to-date bare clone)", gitRuns,
                    "client CPU = git, ssh-keygen and helpers"));
            report.note("update: server CPU from " + server.cpuSource() + "; `uptime` load averages " + loadBefore + " before, "
                    + ProcStat.loadAverage() + " after.");
            double ratio = agentRuns.wallMillis().median() / gitRuns.wallMillis().median();
            report.add(new Ratio("update wall: agent / (git fetch + verify-commit)", ratio, "median wall time, nginx"));
            report.add(new TargetCheck("1-commit update <= git fetch + git verify-commit (nginx)",
                    String.format(Locale.ROOT, "%.2f x (%s vs %s)", ratio, Row.millis(agentRuns.wallMillis().median()),
                            Row.millis(gitRuns.wallMillis().median())),
                    ratio <= 1));
        }
    }

    private static Cost wakeAndAwaitBuild(AgentJvm agent, Fleet fleet, int builds) {
        try {
            long sent = System.nanoTime();
            ActivationLatencyBenchmark.requireAccepted(agent.send(ActivationLatencyBenchmark.webhook(agent.url("/webhook"))));
            double millis = ActivationLatencyBenchmark.awaitBuild(fleet, builds, sent, Duration.ofSeconds(30));
            return new Cost(Math.round(millis * 1e6), 0);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
