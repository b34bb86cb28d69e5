package dev.gitopsagent.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import dev.gitopsagent.FileTrees;
import dev.gitopsagent.testing.CommandLine;
import dev.gitopsagent.testing.Fleet;
import dev.gitopsagent.testing.TestKeys;

/**
 * A new host's first sync of a big fleet repository (issue 14): the packaged agent with the
 * recommended JVM options (or the native executable: {@link Subject}), from launch until its first reconcile has verified the head and started
 * the build, against {@code git clone --bare} of the same repository, interleaved, all from nginx.
 * The agent runs twice per round: with {@code gitops.repository.first-sync=shallow} (the head alone,
 * what {@code auto} does where Nix is 2.26 or later) and {@code full} (the whole history, what it does
 * with an older Nix or a baseline on record). Every agent run starts from nothing: a fresh state
 * directory and a host that never ran a commit.
 */
final class FirstSyncBenchmark {

    private static final String NAME = "first sync";
    private static final String GC_PAUSES = "jvm_gc_pause_seconds_count";
    private static final String GC_PAUSE_SECONDS = "jvm_gc_pause_seconds_sum";

    /**
     * What is measured: a name for the report, whether its GC pauses can be read from its metrics (a native image
     * reports none), and how to start it.
     */
    record Subject(String name, boolean reportsGcPauses, Launcher launcher) {

        /**
         * The packaged agent with the recommended JVM options, then {@code extra} ones (a later option overrides an
         * earlier one), on {@code java}; the name says what differs from the recommended setup.
         */
        static Subject packagedJvm(Path java, List<String> extra) {
            List<String> options = new ArrayList<>(JvmProfile.RECOMMENDED.options());
            options.addAll(extra);
            String name = "packaged, recommended JVM options" + (extra.isEmpty() ? "" : " + " + String.join(" ", extra))
                    + (java.equals(AgentJvm.ownJava()) ? "" : ", on " + java);
            return new Subject(name, true,
                    (log, properties) -> AgentJvm.launch(log, java, options, JvmProfile.RECOMMENDED.environment(), properties));
        }

        /** The native executable with the given run-time options. */
        static Subject nativeExecutable(Path runner, List<String> options) {
            return new Subject("native executable" + (options.isEmpty() ? "" : " " + String.join(" ", options)), false,
                    (log, properties) -> AgentJvm.launchNative(log, runner, options, properties));
        }
    }

    @FunctionalInterface
    interface Launcher {
        AgentJvm launch(Path log, Map<String, String> properties) throws java.io.IOException;
    }

    private final int commits;
    private final int files;
    private final int runs;
    private final Subject subject;

    FirstSyncBenchmark(int commits, int files, int runs, Subject subject) {
        this.commits = commits;
        this.files = files;
        this.runs = runs;
        this.subject = subject;
    }

    void run(Path work, Path cache, Report report) throws Exception {
        Map<String, String> git = GitEnvironment.withHome(Files.createDirectories(work.resolve("git-home")));
        Path cached = BigRepo.ensure(cache, commits, files, git);
        Path repos = Files.createDirectories(work.resolve("repos"));
        Path served = repos.resolve("big.git");
        // A local clone hard-links the cached pack, so the signed head below never touches the cache.
        CommandLine.of("git", "clone", "-q", "--bare", cached.toString(), served.toString()).env(git).runChecked();
        String head = BigRepo.signedHead(served, TestKeys.trustedSsh().gitSigningConfig(), git, "first sync");
        long packBytes;
        try (var packs = Files.list(served.resolve("objects/pack"))) {
            packBytes = packs.filter(file -> file.toString().endsWith(".pack")).mapToLong(file -> file.toFile().length()).sum();
        }
        String label = String.format(Locale.ROOT, "%s (%,d commits, %,d files, %s pack)", NAME, commits + 1, files, Row.bytes(packBytes));
        ShellTimer shell = new ShellTimer(git, work);
        Map<String, AgentSeries> agentRuns = Map.of("shallow", new AgentSeries(), "full", new AgentSeries());
        ServerSeries gitRuns = new ServerSeries();
        List<Double> gitPeak = new ArrayList<>();
        String loadBefore = ProcStat.loadAverage();
        try (NginxGitServer server = NginxGitServer.start(Files.createDirectories(work.resolve("nginx")), repos)) {
            String url = server.url("big.git").toString();
            for (int i = 0; i < runs; i++) {
                Path run = work.resolve("run-" + i);
                Path clone = run.resolve("cli.git");
                Path peakFile = run.resolve("git-peak-kib");
                Files.createDirectories(run);
                String gitClone = ShellTimer.command("/usr/bin/time", "-f", "%M", "-o", peakFile.toString(), "git", "clone", "-q", "--bare",
                        "--no-tags", url, clone.toString());
                // Alternate who goes first, so neither always meets a cold page cache on the server.
                if (i % 2 == 1) {
                    var cli = server.measure(() -> shell.time(run, gitClone));
                    gitRuns.add(cli.result(), cli.load());
                }
                // Alternate which mode goes first as well.
                for (String mode : i % 2 == 0 ? List.of("shallow", "full") : List.of("full", "shallow")) {
                    try (Fleet fleet = Fleet.create(run.resolve("fleet-" + mode))) {
                        Map<String, String> properties = fleet.agentProperties();
                        properties.put("gitops.repository.url", url);
                        properties.put("gitops.repository.first-sync", mode);
                        properties.put("gitops.poll.interval", "1h");
                        properties.put("gitops.poll.max-backoff", "2h");
                        Path logs = Files.createDirectories(run.resolve(mode));
                        var agent = server.measure(() -> firstSync(logs, properties));
                        agentRuns.get(mode).add(agent.result(), agent.load());
                        if (fleet.host().invocations().stream().noneMatch(line -> line.startsWith("nixos-rebuild build") && line.contains(head))) {
                            throw new IllegalStateException("the agent did not build " + head + ": " + fleet.host().invocations());
                        }
                    }
                }
                if (i % 2 == 0) {
                    var cli = server.measure(() -> shell.time(run, gitClone));
                    gitRuns.add(cli.result(), cli.load());
                }
                gitPeak.add(Double.parseDouble(Files.readString(peakFile).trim()) * 1024);
                FileTrees.deleteRecursively(run);
            }
            report.note("first sync: server CPU from " + server.cpuSource() + ".");
        }
        for (String mode : List.of("shallow", "full")) {
            AgentSeries agent = agentRuns.get(mode);
            Samples peaks = Samples.of(agent.peaks);
            report.add(ServerRow.of(label, "agent, first-sync=" + mode + ", " + subject.name() + " (launch -> head verified, build started)", agent.runs, "peak RSS " + Row.mebibytes(peaks.percentile(0)) + " / " + Row.mebibytes(peaks.median()) + " / "
                            + Row.mebibytes(peaks.percentile(100)) + gcPauses(agent) + "; client CPU = whole process incl. start"));
        }
        Samples gitPeaks = Samples.of(gitPeak);
        report.add(ServerRow.of(label, "git clone --bare --no-tags", gitRuns,
                "peak RSS " + Row.mebibytes(gitPeaks.percentile(0)) + " / " + Row.mebibytes(gitPeaks.median()) + " / "
                        + Row.mebibytes(gitPeaks.percentile(100)) + " (largest git process)"));
        report.note("first sync: `uptime` load averages " + loadBefore + " before, " + ProcStat.loadAverage() + " after.");
        for (String mode : List.of("shallow", "full")) {
            AgentSeries agent = agentRuns.get(mode);
            double peak = Samples.of(agent.peaks).percentile(100);
            double ratio = agent.runs.wallMillis().median() / gitRuns.wallMillis().median();
            report.add(new Ratio("first sync wall, first-sync=" + mode + ": agent / git clone --bare", ratio, "median wall time, " + label));
            report.add(new TargetCheck("first sync (first-sync=" + mode + ") <= 2 x git clone --bare, peak RSS <= 160 MiB (" + subject.name() + ")",
                    String.format(Locale.ROOT, "%.2f x (%s vs %s), peak RSS max %s", ratio, Row.millis(agent.runs.wallMillis().median()),
                            Row.millis(gitRuns.wallMillis().median()), Row.mebibytes(peak)),
                    ratio <= 2 && peak <= 160 * (1 << 20)));
        }
    }

    /** "; GC pauses median N (S s)" from the JVM's metrics; nothing for a subject that reports none. */
    private String gcPauses(AgentSeries agent) {
        if (!subject.reportsGcPauses()) {
            return "";
        }
        return String.format(Locale.ROOT, "; GC pauses median %d (%.2f s)", Math.round(Samples.of(agent.gcPauses).median()),
                Samples.of(agent.gcSeconds).median());
    }

    /** One mode's agent runs: costs and server load, peak RSS, GC pauses (count and total time). */
    private static final class AgentSeries {
        final ServerSeries runs = new ServerSeries();
        final List<Double> peaks = new ArrayList<>();
        final List<Double> gcPauses = new ArrayList<>();
        final List<Double> gcSeconds = new ArrayList<>();

        void add(Sync sync, NginxGitServer.Load load) {
            runs.add(sync.cost(), load);
            peaks.add(sync.peakBytes());
            gcPauses.add(sync.gcPauses());
            gcSeconds.add(sync.gcSeconds());
        }
    }

    private record Sync(Cost cost, double peakBytes, double gcPauses, double gcSeconds) {
    }

    private Sync firstSync(Path run, Map<String, String> properties) {
        try (AgentJvm agent = subject.launcher().launch(run.resolve("agent.log"), properties)) {
            Duration ready = agent.awaitReady(Duration.ofMinutes(10));
            double cpu = agent.cpuMillis();
            double peak = agent.peakResidentBytes();
            String metrics = agent.get("/q/metrics");
            return new Sync(new Cost(ready.toNanos(), Math.round(cpu * 1e6)), peak, PrometheusText.sum(metrics, GC_PAUSES),
                    PrometheusText.sum(metrics, GC_PAUSE_SECONDS));
        } catch (Exception e) {
            throw new IllegalStateException("first sync failed", e);
        }
    }
}
