package dev.gitopsagent.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import org.eclipse.jgit.lib.ObjectId;

import dev.gitopsagent.TestAgent;
import dev.gitopsagent.config.AgentConfig;
import dev.gitopsagent.git.FetchBounds;
import dev.gitopsagent.git.LocalMirror;
import dev.gitopsagent.git.Remote;
import dev.gitopsagent.git.RemoteAccess;

/**
 * Fetching one new commit on top of a long history, against nginx + git http-backend: the agent's
 * poll and fetch ({@link LocalMirror#remoteHeads}, {@link LocalMirror#fetch}), what it does for each
 * push, against {@code git fetch} of the same branch, both into a clone that was up to date before the
 * push. Interleaved, and which goes first alternates.
 */
final class IncrementalFetchBenchmark {

    private static final String NAME = "incremental fetch";
    private final int commits;
    private final int warmup;
    private final int runs;

    IncrementalFetchBenchmark(int commits, int warmup, int runs) {
        this.commits = commits;
        this.warmup = warmup;
        this.runs = runs;
    }

    void run(Path work, Path cache, Report report) throws Exception {
        Path home = Files.createDirectories(work.resolve("git-home"));
        Map<String, String> git = GitEnvironment.withHome(home);
        Path cached = LargeRepo.ensure(cache, commits, git);
        Path served = work.resolve("repos/large.git");
        Files.createDirectories(served.getParent());
        // A local clone hard-links the cached objects, so the pushes below never touch the cache.
        dev.gitopsagent.testing.CommandLine.of("git", "clone", "-q", "--bare", cached.toString(), served.toString()).env(git).runChecked();
        ShellTimer shell = new ShellTimer(git, work);
        try (NginxGitServer server = NginxGitServer.start(Files.createDirectories(work.resolve("nginx")), work.resolve("repos"))) {
            String url = server.url("large.git").toString();
            Path state = Files.createDirectories(work.resolve("state"));
            AgentConfig config = TestAgent.configFrom(Map.of(
                    "gitops.repository.url", url, "gitops.host", "h00", "gitops.state-dir", state.toString()));
            Remote remote = Remote.parse("origin", url, "gitops.repository.url");
            try (RemoteAccess access = RemoteAccess.from(config.repository(), state);
                    LocalMirror mirror = LocalMirror.open(state.resolve("repo.git"), "main", access,
                            FetchBounds.configured(config.repository()), () -> false)) {
                var agentClone = server.measure(() -> InProcess.measure(() -> mirror.fetch(remote, mirror.remoteHeads(remote, List.of("main")), Optional.empty())));
                var gitClone = server.measure(() -> shell.time(work, ShellTimer.command("git", "clone", "-q", "--bare", "--no-tags", url, "cli.git")));
                String label = String.format(Locale.ROOT, "%,d", commits + 1);
                report.add(ServerRow.of("initial clone (" + label + " commits)", "agent (LocalMirror poll + fetch, cold JVM)", single(agentClone),
                        "one run, for scale; client CPU = fetching thread only, not the threads that index the pack"));
                report.add(ServerRow.of("initial clone (" + label + " commits)", "git clone --bare --no-tags", single(gitClone), "one run"));

                Path clone = work.resolve("cli.git");
                String fetch = ShellTimer.command("git", "fetch", "-q", "--no-tags", url, "+refs/heads/main:refs/remotes/origin/main");
                ServerSeries agentFetches = new ServerSeries();
                ServerSeries gitFetches = new ServerSeries();
                String loadBefore = ProcStat.loadAverage();
                for (int i = 0; i < warmup + runs; i++) {
                    LargeRepo.addCommit(served, commits + 1 + i, git);
                    // Alternate who goes first, so neither always meets a cold server-side cache.
                    NginxGitServer.Metered<Cost> agent;
                    NginxGitServer.Metered<Cost> cli;
                    if (i % 2 == 0) {
                        agent = server.measure(() -> InProcess.measure(() -> requireNew(mirror.fetch(remote, mirror.remoteHeads(remote, List.of("main")), Optional.empty()))));
                        cli = server.measure(() -> shell.time(clone, fetch));
                    } else {
                        cli = server.measure(() -> shell.time(clone, fetch));
                        agent = server.measure(() -> InProcess.measure(() -> requireNew(mirror.fetch(remote, mirror.remoteHeads(remote, List.of("main")), Optional.empty()))));
                    }
                    if (i >= warmup) {
                        agentFetches.add(agent.result(), agent.load());
                        gitFetches.add(cli.result(), cli.load());
                    }
                }
                String benchmark = NAME + " (1 new commit on " + label + ")";
                report.add(ServerRow.of(benchmark, "agent (LocalMirror poll + fetch, warm JVM)", agentFetches, "client CPU = fetching thread"));
                report.add(ServerRow.of(benchmark, "git fetch", gitFetches, "client CPU = git + helpers"));
                report.note("incremental fetch: server CPU from " + server.cpuSource() + "; `uptime` load averages " + loadBefore + " before, "
                        + ProcStat.loadAverage() + " after.");
                report.add(new Ratio("incremental fetch wall: agent / git fetch",
                        agentFetches.wallMillis().median() / gitFetches.wallMillis().median(), "median wall time, nginx, " + label + " commits"));
                report.add(new Ratio("incremental fetch server CPU: agent / git fetch",
                        agentFetches.serverCpuMeanMillis() / gitFetches.serverCpuMeanMillis(), "mean server CPU per fetch, nginx"));
                report.add(new Ratio("incremental fetch bytes: agent / git fetch",
                        agentFetches.bytes().median() / gitFetches.bytes().median(), "HTTP requests and responses, headers included"));
            }
        }
    }

    private static void requireNew(Map<String, ObjectId> fetched) {
        if (fetched.get("main") == null) {
            throw new IllegalStateException("fetch returned nothing");
        }
    }

    private static ServerSeries single(NginxGitServer.Metered<Cost> run) {
        ServerSeries series = new ServerSeries();
        series.add(run.result(), run.load());
        return series;
    }
}
