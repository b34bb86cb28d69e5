package dev.gitopsagent.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.eclipse.jgit.lib.ObjectId;

import dev.gitopsagent.TestAgent;
import dev.gitopsagent.config.AgentConfig;
import dev.gitopsagent.git.FetchBounds;
import dev.gitopsagent.git.LocalMirror;
import dev.gitopsagent.git.Remote;
import dev.gitopsagent.git.RemoteAccess;
import dev.gitopsagent.testing.GitHttpServer;

/**
 * Fetching one new commit on top of a long history: the agent's {@link LocalMirror#fetch} against
 * {@code git fetch} of the same branch, both from a clone that was up to date before the push.
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
        try (GitHttpServer server = GitHttpServer.start(work.resolve("repos"))) {
            String url = server.url("large.git").toString();
            Path state = Files.createDirectories(work.resolve("state"));
            AgentConfig config = TestAgent.configFrom(Map.of(
                    "gitops.repository.url", url, "gitops.host", "h00", "gitops.state-dir", state.toString()));
            Remote remote = Remote.parse("origin", url, "gitops.repository.url");
            WireMeter wire = new WireMeter(server);
            try (RemoteAccess access = RemoteAccess.from(config.repository(), state);
                    LocalMirror mirror = LocalMirror.open(state.resolve("repo.git"), "main", access,
                            FetchBounds.configured(config.repository()), () -> false)) {
                Cost agentClone = wire.measure(() -> InProcess.measure(() -> mirror.fetch(remote, mirror.remoteHeads(remote, List.of("main")), Optional.empty())));
                Cost gitClone = wire.measure(() -> shell.time(work, ShellTimer.command("git", "clone", "-q", "--bare", "--no-tags", url, "cli.git")));
                String label = String.format(java.util.Locale.ROOT, "%,d", commits + 1);
                report.add(Row.timing("initial clone (" + label + " commits)", "agent (LocalMirror.fetch, cold JVM)", single(agentClone), true,
                        "one run; for scale"));
                report.add(Row.timing("initial clone (" + label + " commits)", "git clone --bare", single(gitClone), true, "one run"));

                Path clone = work.resolve("cli.git");
                String fetch = ShellTimer.command("git", "fetch", "-q", "--no-tags", url, "+refs/heads/main:refs/remotes/origin/main");
                CostSeries agentFetches = new CostSeries();
                CostSeries gitFetches = new CostSeries();
                for (int i = 0; i < warmup + runs; i++) {
                    LargeRepo.addCommit(served, commits + 1 + i, git);
                    // Alternate who goes first, so neither always meets a cold server-side cache.
                    Cost agent;
                    Cost cli;
                    if (i % 2 == 0) {
                        agent = wire.measure(() -> InProcess.measure(() -> requireNew(mirror.fetch(remote, mirror.remoteHeads(remote, List.of("main")), Optional.empty()))));
                        cli = wire.measure(() -> shell.time(clone, fetch));
                    } else {
                        cli = wire.measure(() -> shell.time(clone, fetch));
                        agent = wire.measure(() -> InProcess.measure(() -> requireNew(mirror.fetch(remote, mirror.remoteHeads(remote, List.of("main")), Optional.empty()))));
                    }
                    if (i >= warmup) {
                        agentFetches.add(agent);
                        gitFetches.add(cli);
                    }
                }
                String benchmark = NAME + " (1 new commit on " + label + ")";
                report.add(Row.timing(benchmark, "agent (LocalMirror.fetch, warm JVM)", agentFetches, true, "CPU = fetching thread"));
                report.add(Row.timing(benchmark, "git fetch", gitFetches, true, "CPU = git + helpers"));
                report.add(new Ratio("incremental fetch wall: agent / git fetch",
                        agentFetches.wallMillis().median() / gitFetches.wallMillis().median(), "median wall time, " + label + " commits"));
                report.add(new Ratio("incremental fetch bytes: agent / git fetch",
                        agentFetches.wireBytes().median() / gitFetches.wireBytes().median(), "HTTP bodies on the wire"));
            }
        }
    }

    private static void requireNew(Map<String, ObjectId> fetched) {
        if (fetched.get("main") == null) {
            throw new IllegalStateException("fetch returned nothing");
        }
    }

    private static CostSeries single(Cost cost) {
        CostSeries series = new CostSeries();
        series.add(cost);
        return series;
    }
}
