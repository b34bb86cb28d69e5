package dev.gitopsagent.pipeline;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.jboss.logging.Logger;

import dev.gitopsagent.config.AgentConfig;
import dev.gitopsagent.deploy.BinaryCache;
import dev.gitopsagent.deploy.FlakeRef;
import dev.gitopsagent.deploy.NixGitCache;
import dev.gitopsagent.deploy.NixosRebuild;
import dev.gitopsagent.deploy.ProcessRunner;
import dev.gitopsagent.deploy.ShellLine;
import dev.gitopsagent.git.LocalMirror;
import dev.gitopsagent.rollout.Wait;
import dev.gitopsagent.state.Attempt;
import dev.gitopsagent.state.Evaluation;
import dev.gitopsagent.state.StateStore;
import dev.gitopsagent.status.LiveStatus;
import dev.gitopsagent.status.Phase;

/**
 * Stage 6: build exactly the verified commit, by id, from the local mirror, or in cache mode fetch
 * the toplevel it evaluates to from the binary caches. A configuration that does not evaluate or
 * build never touches the running system. In dry-run it logs the commands and runs none.
 */
public final class Realise {

    private static final Logger LOG = Logger.getLogger(Realise.class);

    /**
     * A built (or, in dry-run, described) system: what was verified, the flake it was built from, and
     * the output so far. {@code toplevel} is the realised store path in cache mode, which is then
     * activated by path; without it the activation goes through nixos-rebuild.
     */
    record Built(Verify.Verified verified, FlakeRef flake, Optional<String> toplevel, Instant started, List<String> output) {

        Select.Candidate candidate() {
            return verified.candidate();
        }
    }

    /** Cache mode's settings: where closures come from, how long a missing one is waited for, and what then. */
    public record CacheMode(BinaryCache cache, Duration maxWait, Duration checkInterval, AgentConfig.CacheMiss onMissing) {
    }

    /** What dry-run shows in place of the store path it does not evaluate. */
    static final String TOPLEVEL_PLACEHOLDER = "$toplevel";

    private final Reconciler.Target target;
    private final LocalMirror mirror;
    private final NixosRebuild rebuild;
    private final Optional<CacheMode> cacheMode;
    private final NixGitCache fetchCache;
    private final StateStore store;
    private final LiveStatus status;
    private final Clock clock;

    public Realise(Reconciler.Target target, LocalMirror mirror, NixosRebuild rebuild, Optional<CacheMode> cacheMode, NixGitCache fetchCache,
            StateStore store, LiveStatus status, Clock clock) {
        this.target = target;
        this.mirror = mirror;
        this.rebuild = rebuild;
        this.cacheMode = cacheMode;
        this.fetchCache = fetchCache;
        this.store = store;
        this.status = status;
        this.clock = clock;
    }

    Step<Built> build(Verify.Verified verified) throws IOException, InterruptedException {
        Select.Candidate candidate = verified.candidate();
        FlakeRef flake = mirror.flake(candidate.branch(), candidate.commit(), target.host());
        Instant started = clock.instant();
        if (!candidate.action().runsAnything()) {
            List<String> wouldRun = cacheMode.map(mode -> List.of(
                    "would run: toplevel=$(" + ShellLine.of(mode.cache().evaluateCommand(flake)) + ")",
                    "would run: " + ShellLine.of(mode.cache().substituteCommand(TOPLEVEL_PLACEHOLDER))))
                    .orElseGet(() -> List.of("would run: " + ShellLine.of(rebuild.buildCommand(flake))));
            wouldRun.forEach(line -> LOG.infof("dry-run: %s", line));
            return Step.proceed(new Built(verified, flake, cacheMode.map(mode -> TOPLEVEL_PLACEHOLDER), started, wouldRun));
        }
        // Written before anything runs, so a restart mid-deploy finds it and reads the outcome back from the system.
        store.update(s -> s.withAttempt(new Attempt(candidate.commit(), candidate.action().toString(), started, verified.signature(),
                candidate.observedHeads())));
        // Nix fetches the commit into its cache first; a lock an interrupted fetch left there would fail it.
        fetchCache.clearStaleLocks();
        if (cacheMode.isPresent()) {
            return fromCache(cacheMode.get(), verified, flake, started);
        }
        status.phase(Phase.BUILDING);
        ProcessRunner.Result build = rebuild.build(flake);
        return built(new Built(verified, flake, Optional.empty(), started, build.outputTail()), build);
    }

    /**
     * Cache mode: the toplevel the commit evaluates to, fetched from the configured caches only. While
     * it is missing (not pushed yet, or signed by no trusted key) the commit waits, from the first time
     * it was missed, then the policy applies: build it here, or refuse it.
     */
    private Step<Built> fromCache(CacheMode mode, Verify.Verified verified, FlakeRef flake, Instant started)
            throws IOException, InterruptedException {
        Select.Candidate candidate = verified.candidate();
        status.phase(Phase.EVALUATING);
        BinaryCache.Evaluated evaluated = mode.cache().evaluate(flake);
        if (evaluated instanceof BinaryCache.NotEvaluated failed) {
            Built built = new Built(verified, flake, Optional.empty(), started, failed.result().outputTail());
            String reason = failed.result().succeeded() ? "evaluation printed no store path" : "evaluation " + failed.result().describeFailure();
            return Step.stop(new Halt.Failed(built, reason, ReconcileOutcome.Rollback.NOT_NEEDED, built.output()));
        }
        String toplevel = ((BinaryCache.Toplevel) evaluated).storePath();
        status.phase(Phase.SUBSTITUTING);
        ProcessRunner.Result substituted = mode.cache().substitute(toplevel);
        List<String> output = new ArrayList<>(substituted.outputTail());
        if (substituted.succeeded()) {
            return Step.proceed(new Built(verified, flake, Optional.of(toplevel), started, output));
        }
        Instant now = clock.instant();
        Instant since = waitingSince(candidate.commit()).orElse(now);
        Instant deadline = since.plus(mode.maxWait());
        if (now.isBefore(deadline)) {
            Instant nextCheck = now.plus(mode.checkInterval());
            return Step.stop(new Halt.Waiting(candidate,
                    new Wait.Cache(candidate.commit(), toplevel, since, deadline, nextCheck.isBefore(deadline) ? nextCheck : deadline)));
        }
        String missing = toplevel + " was not in " + String.join(" ", mode.cache().substituters()) + " signed by a trusted key within "
                + mode.maxWait() + " (waiting since " + since + ")";
        if (mode.onMissing() == AgentConfig.CacheMiss.REFUSE) {
            Built built = new Built(verified, flake, Optional.empty(), started, output);
            return Step.stop(new Halt.Failed(built, missing + "; gitops.deploy.cache.on-missing=refuse", ReconcileOutcome.Rollback.NOT_NEEDED,
                    output));
        }
        LOG.warnf("%s; building it on this host (gitops.deploy.cache.on-missing=build)", missing);
        status.phase(Phase.BUILDING);
        ProcessRunner.Result build = mode.cache().build(flake);
        output.addAll(build.outputTail());
        return built(new Built(verified, flake, Optional.of(toplevel), started, output), build);
    }

    /** When this commit started waiting for the cache, if the decision on record is that wait. */
    private Optional<Instant> waitingSince(String commit) {
        return store.current().evaluation()
                .filter(evaluation -> evaluation.outcome() == Evaluation.Outcome.WAITING && Wait.CACHE.equals(evaluation.waitingFor()))
                .filter(evaluation -> evaluation.commit().equals(commit))
                .map(Evaluation::since);
    }

    private static Step<Built> built(Built built, ProcessRunner.Result build) {
        if (!build.succeeded()) {
            return Step.stop(new Halt.Failed(built, "build " + build.describeFailure(), ReconcileOutcome.Rollback.NOT_NEEDED, built.output()));
        }
        return Step.proceed(built);
    }
}
