package dev.gitopsagent.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;

import dev.gitopsagent.verify.AllowedSigners;
import dev.gitopsagent.verify.OpenPgpKeyring;
import dev.gitopsagent.verify.PathVerdict;
import dev.gitopsagent.verify.PathVerifier;
import dev.gitopsagent.verify.SignerSet;
import dev.gitopsagent.verify.TrustAnchors;
import dev.gitopsagent.verify.TrustSettings;

/**
 * Verifying every commit between the deployed one and the head, as the Verify stage does after a fetch: the agent's
 * {@link PathVerifier} against {@code git verify-commit}, once per commit in a shell loop and once
 * with all commits as arguments (xargs).
 */
final class VerificationBenchmark {

    private final int commits;
    private final int warmup;
    private final int runs;

    VerificationBenchmark(int commits, int warmup, int runs) {
        this.commits = commits;
        this.warmup = warmup;
        this.runs = runs;
    }

    void run(Path work, Path cache, Report report) throws Exception {
        Path home = Files.createDirectories(work.resolve("git-home"));
        Map<String, String> git = GitEnvironment.withHome(home);
        SignedHistory openPgp = SignedHistory.openPgp(cache, commits, git);
        SignedHistory ssh = SignedHistory.ssh(cache, commits, git);
        double pgpRate = measure("OpenPGP", openPgp,
                TrustAnchors.of(OpenPgpKeyring.load(List.of(openPgp.openPgpKeys()), "gitops.trust.openpgp-keys"), AllowedSigners.empty()),
                withGnupgHome(git, openPgp.gnupgHome()), "", work, report);
        double sshRate = measure("SSH", ssh, TrustAnchors.of(OpenPgpKeyring.empty(), AllowedSigners.parse(Files.readString(ssh.allowedSigners()))), git,
                "-c gpg.ssh.allowedSignersFile=" + ShellTimer.quote(ssh.allowedSigners().toString()) + " ", work, report);
        boolean met = pgpRate >= 2000 && sshRate >= 2000;
        report.add(new TargetCheck("verification >= 2,000 commits/s",
                String.format(Locale.ROOT, "OpenPGP %,.0f/s, SSH %,.0f/s", pgpRate, sshRate), met));
    }

    private static Map<String, String> withGnupgHome(Map<String, String> git, Path gnupgHome) {
        Map<String, String> environment = new HashMap<>(git);
        environment.put("GNUPGHOME", gnupgHome.toString());
        return environment;
    }

    /** Returns the agent's median rate in commits per second. */
    private double measure(String format, SignedHistory history, SignerSet signers, Map<String, String> gitEnvironment, String gitOptions,
            Path work, Report report) throws Exception {
        int size = history.size();
        String benchmark = String.format(Locale.ROOT, "verify %,d %s-signed commits", size, format);
        // The default, strictest settings: every commit reachable, dates bounded, OpenPGP capabilities checked.
        PathVerifier verifier = new PathVerifier(signers, TrustSettings.defaults(), Clock.systemUTC());
        CostSeries agent = new CostSeries();
        try (Repository repository = new FileRepositoryBuilder().setGitDir(history.repository().toFile()).setMustExist(true).build()) {
            for (int i = 0; i < warmup + runs; i++) {
                Cost cost = InProcess.measure(() -> verifyPath(repository, verifier, history, size));
                if (i >= warmup) {
                    agent.add(cost);
                }
            }
        }
        ShellTimer shell = new ShellTimer(gitEnvironment, work);
        String list = ShellTimer.quote(history.commitList().toString());
        CostSeries loop = new CostSeries();
        loop.add(shell.time(history.repository(),
                "rc=0; while read -r c; do git " + gitOptions + "verify-commit \"$c\" || rc=1; done < " + list + "; test $rc = 0"));
        CostSeries batch = new CostSeries();
        batch.add(shell.time(history.repository(), "xargs git " + gitOptions + "verify-commit < " + list));

        double agentRate = size / (agent.wallMillis().median() / 1000);
        double loopRate = size / (loop.wallMillis().median() / 1000);
        double batchRate = size / (batch.wallMillis().median() / 1000);
        report.add(Row.timing(benchmark, "agent (PathVerifier, gitops.trust.verify=all)", agent,
                rate(agentRate) + "; p95 run " + rate(size / (agent.wallMillis().p95() / 1000))));
        report.add(Row.timing(benchmark, "git verify-commit, one process per commit", loop, rate(loopRate)));
        report.add(Row.timing(benchmark, "git verify-commit, all commits as arguments", batch, rate(batchRate)));
        report.add(new Ratio(format + " verification rate: agent / git verify-commit loop", agentRate / loopRate, "commits per second"));
        report.add(new Ratio(format + " verification rate: agent / git verify-commit batch", agentRate / batchRate, "commits per second"));
        return agentRate;
    }

    private static void verifyPath(Repository repository, PathVerifier verifier, SignedHistory history, int expected) throws Exception {
        PathVerdict verdict = verifier.verify(repository, Optional.of(ObjectId.fromString(history.root())), ObjectId.fromString(history.head()));
        if (!(verdict instanceof PathVerdict.Verified verified) || verified.commits() != expected) {
            throw new IllegalStateException("expected " + expected + " verified commits, got " + verdict);
        }
    }

    private static String rate(double perSecond) {
        return String.format(Locale.ROOT, "%,.0f commits/s", perSecond);
    }
}
