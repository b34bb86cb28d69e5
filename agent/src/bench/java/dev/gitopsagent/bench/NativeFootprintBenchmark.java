package dev.gitopsagent.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.gitopsagent.testing.Fleet;

/**
 * The native executable beside the JVM build (recommended options), measured the same way: time from
 * launch to HTTP up and to ready, the first deployment (launch on an empty state until the first commit
 * is deployed and the agent reports ready), restarts with the state kept, idle RSS after a minute of
 * doing nothing and after 1,000 polls. Polls are driven through POST /control/trigger, against nginx and
 * {@code git http-backend}.
 */
final class NativeFootprintBenchmark {

    private static final long MIB = 1 << 20;

    private final Optional<Path> runner;
    private final int polls;
    private final int restarts;
    private final Duration idle;

    NativeFootprintBenchmark(Optional<Path> runner, int polls, int restarts, Duration idle) {
        this.runner = runner;
        this.polls = polls;
        this.restarts = restarts;
        this.idle = idle;
    }

    void run(Path work, Report report) throws Exception {
        if (runner.isEmpty()) {
            report.note("**native not measured**: no native executable (build it first: `./mvnw -B -Pnative -pl agent package "
                    + "-DskipTests` with GRAALVM_HOME set, or pass -Dbench.runner=<path>)");
            return;
        }
        report.note("Load average while the native/JVM comparison ran: " + loadAverage() + " at start.");
        Figures jvm = measure(work.resolve("jvm"), "JVM, recommended options", report,
                (log, properties) -> AgentJvm.launch(log, JvmProfile.RECOMMENDED.options(), JvmProfile.RECOMMENDED.environment(), properties));
        Figures nativeImage = measure(work.resolve("native"), "native executable", report,
                (log, properties) -> AgentJvm.launchNative(log, runner.get(), properties));
        report.note("Load average after it: " + loadAverage() + ". Native executable: " + runner.get().getFileName() + ", "
                + Files.size(runner.get()) / MIB + " MiB.");
        report.add(new TargetCheck("native idle RSS <= 50 MiB (after 60 s idle)", Row.mebibytes(nativeImage.idleRss()),
                nativeImage.idleRss() <= 50 * MIB));
        report.add(new TargetCheck("native idle RSS <= 50 MiB (after " + polls + " polls)", Row.mebibytes(nativeImage.rssAfterPolls()),
                nativeImage.rssAfterPolls() <= 50 * MIB));
        report.add(new TargetCheck("native ready <= 100 ms (restart, state kept)", Row.millis(nativeImage.restartReadyMillis()),
                nativeImage.restartReadyMillis() <= 100));
        report.note(String.format(java.util.Locale.ROOT, "Native vs JVM: idle RSS %.0f vs %.0f MiB; ready on restart %.0f vs %.0f ms.",
                nativeImage.idleRss() / (double) MIB, jvm.idleRss() / (double) MIB, nativeImage.restartReadyMillis(), jvm.restartReadyMillis()));
    }

    @FunctionalInterface
    private interface Launcher {
        AgentJvm launch(Path log, Map<String, String> properties) throws IOException;
    }

    private record Figures(long idleRss, long rssAfterPolls, double restartReadyMillis) {
    }

    private Figures measure(Path dir, String subject, Report report, Launcher launcher) throws Exception {
        // The real server (nginx + git http-backend), as every benchmark that meets a server: every start ends with a
        // poll. (Against the test suite's in-process server the ready median was within 3 ms of this, 2026-11-26.)
        try (Fleet fleet = Fleet.create(dir.resolve("fleet"));
                NginxGitServer server = NginxGitServer.start(Files.createDirectories(dir.resolve("nginx")), fleet.remote().getParent())) {
            fleet.pushChange("initial");
            Map<String, String> properties = fleet.agentProperties();
            properties.put("gitops.repository.url", server.url(Fleet.REPO).toString());
            properties.put("gitops.poll.interval", "1h");
            properties.put("gitops.poll.max-backoff", "2h");
            properties.put("gitops.control.token-file", WorkDirs.secret(dir.resolve("secrets/token"), FootprintBenchmark.TOKEN).toString());
            long idleRss;
            long rssAfterPolls;
            long peak;
            Duration live;
            Duration firstDeploy;
            try (AgentJvm agent = launcher.launch(dir.resolve("agent-0.log"), properties)) {
                live = agent.awaitLive(Duration.ofSeconds(120));
                // Empty state: ready only after the first reconcile has deployed the pushed commit.
                firstDeploy = agent.awaitReady(Duration.ofSeconds(120));
                Thread.sleep(Duration.ofSeconds(60).toMillis());
                idleRss = agent.residentBytes();
                report.note("Idle RSS of the " + subject + " by mapping, 60 s after the first deploy: " + Smaps.describe(Smaps.residentKib(agent.pid()))
                        + "; " + agent.threads() + " threads.");
                for (int i = 0; i < polls; i++) {
                    FootprintBenchmark.pollOnce(agent);
                }
                Thread.sleep(idle.toMillis());
                rssAfterPolls = agent.residentBytes();
                peak = agent.peakResidentBytes();
            }
            List<Double> liveMillis = new ArrayList<>();
            List<Double> readyMillis = new ArrayList<>();
            for (int i = 1; i <= restarts; i++) {
                try (AgentJvm agent = launcher.launch(dir.resolve("agent-" + i + ".log"), properties)) {
                    liveMillis.add(agent.awaitLive(Duration.ofSeconds(120)).toNanos() / 1e6);
                    readyMillis.add(agent.awaitReady(Duration.ofSeconds(120)).toNanos() / 1e6);
                }
            }
            report.add(Row.figure("idle RSS, 60 s after the first deploy", subject, 1, Row.mebibytes(idleRss), "-", "peak RSS " + Row.mebibytes(peak)));
            report.add(Row.figure("idle RSS after " + polls + " polls", subject, 1, Row.mebibytes(rssAfterPolls), "-",
                    idle.toSeconds() + " s after the last poll"));
            report.add(Row.figure("startup to HTTP up (first start)", subject, 1, Row.millis(live.toNanos() / 1e6), "-",
                    "launch -> /q/health/live 200"));
            report.add(Row.figure("first deploy (empty state)", subject, 1, Row.millis(firstDeploy.toNanos() / 1e6), "-",
                    "launch -> commit deployed, /q/health/ready 200"));
            Samples live2 = Samples.of(liveMillis);
            report.add(Row.figure("startup to HTTP up (restart)", subject, live2.count(), Row.millis(live2.median()), Row.millis(live2.p95()),
                    "launch -> /q/health/live 200"));
            Samples ready = Samples.of(readyMillis);
            report.add(Row.figure("startup to ready (restart, state kept)", subject, ready.count(), Row.millis(ready.median()),
                    Row.millis(ready.p95()), "launch -> /q/health/ready 200 (first reconcile: nothing new)"));
            return new Figures(idleRss, rssAfterPolls, ready.median());
        }
    }

    private static String loadAverage() throws IOException {
        String[] fields = Files.readString(Path.of("/proc/loadavg")).split(" ");
        return fields[0] + " / " + fields[1] + " / " + fields[2] + " (1/5/15 min)";
    }
}
