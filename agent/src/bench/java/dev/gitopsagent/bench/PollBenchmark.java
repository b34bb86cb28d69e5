package dev.gitopsagent.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

import dev.gitopsagent.TestAgent;
import dev.gitopsagent.pipeline.ReconcileOutcome;
import dev.gitopsagent.testing.Fleet;

/**
 * A poll that finds nothing new, against nginx + git http-backend: the agent's whole reconcile
 * (probe the branch head over protocol v2 ls-refs, compare with the state, stop) against
 * {@code git ls-remote} of the branch and {@code git fetch} into an up-to-date clone, interleaved.
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
        try (Fleet fleet = Fleet.create(work.resolve("fleet"));
                NginxGitServer server = NginxGitServer.start(Files.createDirectories(work.resolve("nginx")), fleet.remote().getParent())) {
            fleet.pushChange("v1");
            String url = server.url(Fleet.REPO).toString();
            Map<String, String> properties = fleet.agentProperties();
            properties.put("gitops.repository.url", url);
            try (TestAgent agent = TestAgent.start(properties)) {
                ReconcileOutcome first = agent.reconcile();
                if (!(first instanceof ReconcileOutcome.Deployed)) {
                    throw new IllegalStateException("the first reconcile should deploy, got " + first);
                }
                Path home = Files.createDirectories(work.resolve("git-home"));
                ShellTimer shell = new ShellTimer(GitEnvironment.withHome(home), work);
                shell.time(work, ShellTimer.command("git", "clone", "-q", "--bare", url, "cli.git"));
                Path clone = work.resolve("cli.git");
                String lsRemote = ShellTimer.command("git", "ls-remote", url, "refs/heads/main");
                String fetch = ShellTimer.command("git", "fetch", "-q", "--no-tags", url, "+refs/heads/main:refs/remotes/origin/main");

                ServerSeries agentPolls = new ServerSeries();
                ServerSeries lsRemotes = new ServerSeries();
                ServerSeries fetches = new ServerSeries();
                ServerSeries capabilityGets = new ServerSeries();
                ServerSeries emptyPosts = new ServerSeries();
                String loadBefore = ProcStat.loadAverage();
                for (int i = 0; i < warmup + runs; i++) {
                    var poll = server.measure(() -> InProcess.measure(() -> requireUnchanged(agent.reconcile())));
                    var listed = server.measure(() -> shell.time(work, lsRemote));
                    var fetched = server.measure(() -> shell.time(clone, fetch));
                    var advertised = server.measure(() -> InProcess.measure(() -> capabilityGet(url)));
                    var asked = server.measure(() -> InProcess.measure(() -> emptyPost(url)));
                    if (i >= warmup) {
                        agentPolls.add(poll.result(), poll.load());
                        lsRemotes.add(listed.result(), listed.load());
                        fetches.add(fetched.result(), fetched.load());
                        capabilityGets.add(advertised.result(), advertised.load());
                        emptyPosts.add(asked.result(), asked.load());
                    }
                }
                report.add(ServerRow.of(NAME, "agent (in-process reconcile, warm JVM)", agentPolls,
                        "client CPU = reconcile thread; one protocol v2 ls-refs POST"));
                report.add(ServerRow.of(NAME, "git ls-remote <url> refs/heads/main", lsRemotes, "client CPU = git + git-remote-http"));
                report.add(ServerRow.of(NAME, "git fetch (up-to-date bare clone)", fetches, "client CPU = git + helpers"));
                report.add(ServerRow.of(NAME, "git ls-remote's first request alone: GET info/refs, protocol v2", capabilityGets,
                        "client CPU = the benchmark's thread; the capability advertisement, no refs"));
                report.add(ServerRow.of(NAME, "a protocol v2 POST to git-upload-pack that asks nothing (one flush packet)", emptyPosts,
                        "client CPU = the benchmark's thread; upload-pack runs and answers nothing"));
                report.note("no-change poll: server CPU from " + server.cpuSource() + ".");
                report.note("no-change poll: `uptime` load averages " + loadBefore + " before, " + ProcStat.loadAverage() + " after.");
                double agentWall = agentPolls.wallMillis().median();
                double lsWall = lsRemotes.wallMillis().median();
                double serverRatio = agentPolls.serverCpuMeanMillis() / lsRemotes.serverCpuMeanMillis();
                report.add(new Ratio("poll wall: agent / git ls-remote", agentWall / lsWall, "median wall time, nginx; at most 0.5 meets the target"));
                report.add(new Ratio("poll server CPU: agent / git ls-remote", serverRatio, "mean server CPU per poll, nginx"));
                report.add(new Ratio("poll server CPU: git ls-remote's capability GET alone / git ls-remote",
                        capabilityGets.serverCpuMeanMillis() / lsRemotes.serverCpuMeanMillis(),
                        "the least server CPU a one-request poll can cost, against git ls-remote (see the class comment)"));
                report.add(new Ratio("poll server CPU: an empty POST alone / git ls-remote",
                        emptyPosts.serverCpuMeanMillis() / lsRemotes.serverCpuMeanMillis(),
                        "the least server CPU a poll that POSTs its question can cost, against git ls-remote"));
                report.add(new Ratio("poll client CPU: agent / git ls-remote", agentPolls.cpuMillis().median() / lsRemotes.cpuMillis().median(),
                        "median client CPU"));
                report.add(new Ratio("poll bytes: agent / git ls-remote", agentPolls.bytes().median() / lsRemotes.bytes().median(),
                        "HTTP requests and responses, headers included"));
                report.add(new TargetCheck("no-change poll <= 0.5 x git ls-remote, wall and server CPU (nginx)",
                        String.format(Locale.ROOT, "wall %.2f x (%s vs %s), server CPU %.2f x (%s vs %s)", agentWall / lsWall, Row.millis(agentWall),
                                Row.millis(lsWall), serverRatio, Row.millis(agentPolls.serverCpuMeanMillis()),
                                Row.millis(lsRemotes.serverCpuMeanMillis())),
                        agentWall <= 0.5 * lsWall && serverRatio <= 0.5));
            }
        }
    }

    /** What {@code git ls-remote} asks first over protocol v2: the capabilities, no refs. */
    private static void capabilityGet(String url) throws IOException {
        HttpURLConnection http = (HttpURLConnection) URI.create(url + "/info/refs?service=git-upload-pack").toURL().openConnection();
        http.setRequestProperty("Git-Protocol", "version=2");
        if (http.getResponseCode() != 200) {
            throw new IOException("capability advertisement answered " + http.getResponseCode());
        }
        String answer;
        try (InputStream in = http.getInputStream()) {
            answer = new String(in.readNBytes(64 * 1024), StandardCharsets.UTF_8);
        }
        // A server that ignored Git-Protocol would send a protocol v0 ref advertisement: a different, costlier request.
        if (!answer.contains("version 2\n")) {
            throw new IOException("the server did not answer with a protocol v2 capability advertisement");
        }
    }

    /**
     * The least a POST to upload-pack asks: a protocol v2 request of one flush packet, which upload-pack
     * answers with nothing. It costs the server what the agent's ls-refs POST costs but the listing.
     */
    private static void emptyPost(String url) throws IOException {
        HttpURLConnection http = (HttpURLConnection) URI.create(url + "/git-upload-pack").toURL().openConnection();
        http.setRequestMethod("POST");
        http.setRequestProperty("Git-Protocol", "version=2");
        http.setRequestProperty("Content-Type", "application/x-git-upload-pack-request");
        http.setDoOutput(true);
        byte[] flush = "0000".getBytes(StandardCharsets.US_ASCII);
        http.setFixedLengthStreamingMode(flush.length);
        try (OutputStream out = http.getOutputStream()) {
            out.write(flush);
        }
        if (http.getResponseCode() != 200 || !String.valueOf(http.getContentType()).equals("application/x-git-upload-pack-result")) {
            throw new IOException("an empty upload-pack request was answered " + http.getResponseCode() + " " + http.getContentType());
        }
        try (InputStream in = http.getInputStream()) {
            if (in.readNBytes(64 * 1024).length != 0) {
                throw new IOException("upload-pack answered a request that asked nothing with data");
            }
        }
    }

    private static void requireUnchanged(ReconcileOutcome outcome) {
        if (!(outcome instanceof ReconcileOutcome.Unchanged)) {
            throw new IllegalStateException("expected a no-change poll, got " + outcome);
        }
    }
}
