package dev.gitopsagent.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Verification speed of the native executable, which {@link VerificationBenchmark} (in process, on the
 * JVM) cannot measure: a new host's first sync of a signed history, once with
 * {@code gitops.trust.root-commit} at its unsigned root (every later commit is verified) and once
 * without (the head alone), interleaved. The difference in CPU time, and in time from launch to ready,
 * is what verifying the other commits cost. Both fetch the whole history ({@code first-sync=full}) from
 * a {@code file://} remote and run nothing ({@code dry-run}).
 */
final class NativeVerificationBenchmark {

    private final Path runner;
    private final int commits;
    private final int runs;

    NativeVerificationBenchmark(Path runner, int commits, int runs) {
        this.runner = runner;
        this.commits = commits;
        this.runs = runs;
    }

    void run(Path work, Path cache, Report report) throws Exception {
        Map<String, String> git = GitEnvironment.withHome(Files.createDirectories(work.resolve("git-home")));
        SignedHistory openPgp = SignedHistory.openPgp(cache, commits, git);
        SignedHistory ssh = SignedHistory.ssh(cache, commits, git);
        String loadBefore = ProcStat.loadAverage();
        double openPgpRate = measure("OpenPGP", openPgp, Map.of("gitops.trust.openpgp-keys", openPgp.openPgpKeys().toString()), work, report);
        double sshRate = measure("SSH", ssh, Map.of("gitops.trust.allowed-signers", ssh.allowedSigners().toString()), work, report);
        report.note("nativeverify: `uptime` load averages " + loadBefore + " before, " + ProcStat.loadAverage() + " after; executable "
                + runner.getFileName() + ", " + Files.size(runner) / (1 << 20) + " MiB.");
        report.add(new TargetCheck("verification >= 2,000 commits/s (native executable, CPU)",
                "OpenPGP " + perSecond(openPgpRate) + ", SSH " + perSecond(sshRate), openPgpRate >= 2000 && sshRate >= 2000));
    }

    private static String perSecond(double rate) {
        return String.format(Locale.ROOT, "%,.0f commits/s", rate);
    }

    /** Returns the rate by CPU time, in commits per second. */
    private double measure(String format, SignedHistory history, Map<String, String> trust, Path work, Report report) throws Exception {
        int size = history.size();
        List<Double> allWall = new ArrayList<>();
        List<Double> allCpu = new ArrayList<>();
        List<Double> headWall = new ArrayList<>();
        List<Double> headCpu = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            // Alternate which goes first, so neither always meets a colder page cache.
            for (boolean all : i % 2 == 0 ? List.of(true, false) : List.of(false, true)) {
                Path dir = work.resolve(format + "-" + i + (all ? "-all" : "-head"));
                Map<String, String> properties = new HashMap<>(trust);
                properties.put("gitops.repository.url", history.repository().toUri().toString());
                properties.put("gitops.repository.first-sync", "full");
                properties.put("gitops.host", "web1");
                properties.put("gitops.state-dir", dir.resolve("state").toString());
                properties.put("gitops.trust.high-water-mark", dir.resolve("high-water/deployed").toString());
                properties.put("gitops.deploy.action", "dry-run");
                properties.put("gitops.poll.interval", "1h");
                properties.put("gitops.poll.max-backoff", "2h");
                if (all) {
                    properties.put("gitops.trust.root-commit", history.root());
                }
                try (AgentJvm agent = AgentJvm.launchNative(dir.resolve("agent.log"), runner, properties)) {
                    double wall = agent.awaitReady(Duration.ofMinutes(5)).toNanos() / 1e6;
                    double cpu = agent.cpuMillis();
                    String verified = "verified " + (all ? size : 1) + " commit(s) up to " + history.head();
                    if (!Files.readString(dir.resolve("agent.log")).contains(verified)) {
                        throw new IllegalStateException("the agent did not log '" + verified + "':\n" + Files.readString(dir.resolve("agent.log")));
                    }
                    (all ? allWall : headWall).add(wall);
                    (all ? allCpu : headCpu).add(cpu);
                }
            }
        }
        double cpuMillis = Samples.of(allCpu).median() - Samples.of(headCpu).median();
        double wallMillis = Samples.of(allWall).median() - Samples.of(headWall).median();
        String benchmark = String.format(Locale.ROOT, "verify %,d %s-signed commits (native executable, first sync with a trust root)", size, format);
        report.add(Row.figure(benchmark, "agent, every commit verified (launch -> ready)", runs, Row.millis(Samples.of(allWall).median()), "-",
                "CPU " + Row.millis(Samples.of(allCpu).median())));
        report.add(Row.figure(benchmark, "agent, the head alone verified (launch -> ready)", runs, Row.millis(Samples.of(headWall).median()), "-",
                "CPU " + Row.millis(Samples.of(headCpu).median())));
        double rate = (size - 1) / (cpuMillis / 1000);
        report.add(Row.figure(benchmark, "difference: verifying " + (size - 1) + " more commits", runs, Row.millis(wallMillis), "-",
                "CPU " + Row.millis(cpuMillis) + ", " + perSecond(rate) + " by CPU, " + perSecond((size - 1) / (wallMillis / 1000)) + " by wall time"));
        return rate;
    }
}
