package dev.gitopsagent.bench;

import java.nio.file.Files;
import java.nio.file.Path;

import dev.gitopsagent.TestAgent;
import dev.gitopsagent.pipeline.ReconcileOutcome;
import dev.gitopsagent.testing.Fleet;

/**
 * A poll that finds nothing new: the agent's whole reconcile (probe the branch head over protocol v2
 * ls-refs, compare with the state, stop) against {@code git ls-remote} of the branch and against a
 * {@code git fetch} of the branch into an up-to-date clone.
 */
final class PollBenchmark {

    private static final String NAME = "no-change poll";
    private final int warmup;
    private final int runs;

    PollBenchmark(int warmup, int runs) {
        this.warmup = warmup;
        this.runs = runs;
    }

    void run(Path work, Report report) throws Exception {
        try (Fleet fleet = Fleet.create(work.resolve("fleet"))) {
            fleet.pushChange("v1");
            try (TestAgent agent = TestAgent.start(fleet.agentProperties())) {
                ReconcileOutcome first = agent.reconcile();
                if (!(first instanceof ReconcileOutcome.Deployed)) {
                    throw new IllegalStateException("the first reconcile should deploy, got " + first);
                }
                Path home = Files.createDirectories(work.resolve("git-home"));
                ShellTimer shell = new ShellTimer(GitEnvironment.withHome(home), work);
                String url = fleet.server().url(Fleet.REPO).toString();
                shell.time(work, ShellTimer.command("git", "clone", "-q", "--bare", url, "cli.git"));
                Path clone = work.resolve("cli.git");
                String lsRemote = ShellTimer.command("git", "ls-remote", url, "refs/heads/main");
                String fetch = ShellTimer.command("git", "fetch", "-q", "--no-tags", url, "+refs/heads/main:refs/remotes/origin/main");
                WireMeter wire = new WireMeter(fleet.server());

                CostSeries agentPolls = new CostSeries();
                CostSeries lsRemotes = new CostSeries();
                CostSeries fetches = new CostSeries();
                for (int i = 0; i < warmup + runs; i++) {
                    Cost poll = wire.measure(() -> InProcess.measure(() -> requireUnchanged(agent.reconcile())));
                    Cost listed = wire.measure(() -> shell.time(work, lsRemote));
                    Cost fetched = wire.measure(() -> shell.time(clone, fetch));
                    if (i >= warmup) {
                        agentPolls.add(poll);
                        lsRemotes.add(listed);
                        fetches.add(fetched);
                    }
                }
                report.add(Row.timing(NAME, "agent (in-process reconcile, warm JVM)", agentPolls, true,
                        "CPU = reconcile thread; protocol v2 ls-refs with ref-prefix"));
                report.add(Row.timing(NAME, "git ls-remote <url> refs/heads/main", lsRemotes, true, "CPU = git + git-remote-http"));
                report.add(Row.timing(NAME, "git fetch (up-to-date bare clone)", fetches, true, "CPU = git + helpers"));
                double agentWall = agentPolls.wallMillis().median();
                double lsWall = lsRemotes.wallMillis().median();
                report.add(new Ratio("poll wall: agent / git ls-remote", agentWall / lsWall, "median wall time; below 0.5 meets the target"));
                report.add(new Ratio("poll wall: agent / git fetch", agentWall / fetches.wallMillis().median(), "median wall time"));
                report.add(new Ratio("poll CPU: agent / git ls-remote", agentPolls.cpuMillis().median() / lsRemotes.cpuMillis().median(),
                        "median CPU time"));
                report.add(new Ratio("poll bytes: agent / git ls-remote", agentPolls.wireBytes().median() / lsRemotes.wireBytes().median(),
                        "HTTP bodies on the wire"));
                report.add(new TargetCheck("no-change poll <= 0.5 x git ls-remote wall time",
                        String.format(java.util.Locale.ROOT, "%.2f x (%s vs %s)", agentWall / lsWall, Row.millis(agentWall), Row.millis(lsWall)),
                        agentWall <= 0.5 * lsWall));
            }
        }
    }

    private static void requireUnchanged(ReconcileOutcome outcome) {
        if (!(outcome instanceof ReconcileOutcome.Unchanged)) {
            throw new IllegalStateException("expected a no-change poll, got " + outcome);
        }
    }
}
