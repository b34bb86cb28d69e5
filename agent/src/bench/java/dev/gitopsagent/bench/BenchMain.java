package dev.gitopsagent.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Runs every benchmark of issue 5 in one go and writes {@code results.md} and {@code results.json}.
 * Started by {@code ./mvnw -B -Pbench -pl agent verify}; system properties choose the output folder
 * ({@code bench.out}), the cache of generated repositories ({@code bench.cache}) and, for a partial
 * run, {@code bench.only=poll,firstsync,update,fetch,verify,latency,footprint,native,nativesync,nativeverify} ({@code native} compares the native executable
 * with the JVM build, {@code nativesync} runs the first sync with the native executable and {@code bench.nativeOptions},
 * {@code nativeverify} measures its verification speed; none of the three is in the default set: they need a {@code -Pnative} build first).
 * {@code firstsync} runs the packaged agent with the recommended JVM options, then {@code bench.jvmOptions} if set (to try
 * a variant: a later option overrides an earlier one), on {@code bench.java} if set, else on the benchmark's own JVM.
 */
public final class BenchMain {

    private BenchMain() {
    }

    public static void main(String[] args) throws Exception {
        Path out = Path.of(System.getProperty("bench.out", "target/bench")).toAbsolutePath();
        Path cache = Path.of(System.getProperty("bench.cache", "target/bench-cache")).toAbsolutePath();
        Set<String> only = Arrays.stream(System.getProperty("bench.only", "poll,firstsync,update,fetch,verify,latency,footprint").split(","))
                .map(String::trim).collect(Collectors.toSet());
        Path work = WorkDirs.fresh(out.resolve("work"));
        Report report = new Report();
        long started = System.nanoTime();

        if (only.contains("poll")) {
            attempt("poll", report, () -> new PollBenchmark(20, integer("bench.pollRuns", 100)).run(work.resolve("poll"), report));
        }
        if (only.contains("fetch")) {
            attempt("fetch", report, () -> new IncrementalFetchBenchmark(integer("bench.largeCommits", 20_000), 3,
                    integer("bench.fetchRuns", 15)).run(work.resolve("fetch"), cache, report));
        }
        if (only.contains("firstsync")) {
            attempt("firstsync", report, () -> new FirstSyncBenchmark(integer("bench.bigCommits", 50_000), integer("bench.bigFiles", 30_000),
                    integer("bench.firstSyncRuns", 3), FirstSyncBenchmark.Subject.packagedJvm(java(), options("bench.jvmOptions")))
                    .run(work.resolve("firstsync"), cache, report));
        }
        if (only.contains("nativesync")) {
            // The native executable's first sync, with the image's run-time options from -Dbench.nativeOptions (e.g. -Xmn8m).
            List<String> options = options("bench.nativeOptions");
            attempt("nativesync", report, () -> new FirstSyncBenchmark(integer("bench.bigCommits", 50_000), integer("bench.bigFiles", 30_000),
                    integer("bench.firstSyncRuns", 3), FirstSyncBenchmark.Subject.nativeExecutable(nativeRunner().orElseThrow(() ->
                            new IllegalStateException("no native executable: build it first or pass -Dbench.runner=<path>")), options))
                    .run(work.resolve("nativesync"), cache, report));
        }
        if (only.contains("nativeverify")) {
            // The native executable's verification speed (e.g. to weigh building it with -Os).
            attempt("nativeverify", report, () -> new NativeVerificationBenchmark(nativeRunner().orElseThrow(() ->
                    new IllegalStateException("no native executable: build it first or pass -Dbench.runner=<path>")),
                    integer("bench.signedCommits", 1000), integer("bench.verifyRuns", 5)).run(work.resolve("nativeverify"), cache, report));
        }
        if (only.contains("update")) {
            attempt("update", report, () -> new UpdateBenchmark(3, integer("bench.updateRuns", 30)).run(work.resolve("update"), report));
        }
        if (only.contains("verify")) {
            attempt("verify", report, () -> new VerificationBenchmark(integer("bench.signedCommits", 1000), 2,
                    integer("bench.verifyRuns", 5)).run(work.resolve("verify"), cache, report));
        }
        if (only.contains("latency")) {
            attempt("latency", report, () -> new ActivationLatencyBenchmark(integer("bench.webhookRuns", 8),
                    integer("bench.fastPollRuns", 6), integer("bench.slowPollRuns", 2)).run(work.resolve("latency"), report));
        }
        if (only.contains("footprint")) {
            attempt("footprint", report, () -> new FootprintBenchmark(100, 3, Duration.ofSeconds(5))
                    .run(work.resolve("footprint"), List.of(JvmProfile.DEFAULTS, JvmProfile.RECOMMENDED), report));
        }

        if (only.contains("native")) {
            attempt("native", report, () -> new NativeFootprintBenchmark(nativeRunner(), integer("bench.nativePolls", 1000), integer("bench.nativeRestarts", 15),
                    Duration.ofSeconds(5)).run(work.resolve("native"), report));
        }

        report.note(String.format(java.util.Locale.ROOT, "Benchmark run took %.0f s.", (System.nanoTime() - started) / 1e9));
        report.note("git CPU is getrusage of git and its helpers (bash `times`); agent CPU is the calling thread's CPU time. "
                + "The server's `git http-backend` CPU is counted for neither.");
        String machine = Machine.describe();
        report.write(out, machine);
        System.out.println();
        System.out.println(report.markdown(machine));
        System.out.println("Written to " + out.resolve("results.md") + " and results.json");
        // Agent threads of the in-process benchmarks are daemons, but JGit and HTTP clients may linger.
        System.exit(0);
    }

    /** The native executable ({@code bench.runner}, set by the bench profile), if it has been built. */
    private static Optional<Path> nativeRunner() {
        String runner = System.getProperty("bench.runner", "");
        return runner.isEmpty() || !Files.isExecutable(Path.of(runner)) ? Optional.empty() : Optional.of(Path.of(runner));
    }

    /** The {@code java} that runs the packaged agent in {@code firstsync}: {@code bench.java}, else the benchmark's own. */
    private static Path java() {
        String java = System.getProperty("bench.java", "");
        return java.isBlank() ? AgentJvm.ownJava() : Path.of(java);
    }

    /** A property's space-separated options, none if it is unset or blank. */
    private static List<String> options(String property) {
        return Arrays.stream(System.getProperty(property, "").split("\\s+")).filter(option -> !option.isBlank()).toList();
    }

    @FunctionalInterface
    private interface Benchmark {
        void run() throws Exception;
    }

    /** Runs one benchmark; a failure is reported in the results instead of losing the others. */
    private static void attempt(String name, Report report, Benchmark benchmark) {
        long started = System.nanoTime();
        System.out.println("[bench] " + name + " ...");
        try {
            benchmark.run();
        } catch (Exception | AssertionError e) {
            e.printStackTrace();
            report.note("**" + name + " failed**: " + e);
        }
        System.out.printf("[bench] %s done in %.1f s%n", name, (System.nanoTime() - started) / 1e9);
    }

    /** The property's value, or {@code fallback} when it is unset or empty (the bench profile forwards every one, empty by default). */
    private static int integer(String property, int fallback) {
        String value = System.getProperty(property, "").strip();
        return value.isEmpty() ? fallback : Integer.parseInt(value);
    }
}
