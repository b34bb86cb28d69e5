package dev.gitopsagent.pipeline;

import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;

import org.jboss.logging.Logger;

import dev.gitopsagent.deploy.FlakeRef;
import dev.gitopsagent.deploy.NixosRebuild;
import dev.gitopsagent.deploy.ProcessRunner;
import dev.gitopsagent.git.LocalMirror;
import dev.gitopsagent.state.Attempt;
import dev.gitopsagent.state.StateStore;
import dev.gitopsagent.status.LiveStatus;
import dev.gitopsagent.status.Phase;

/**
 * Stage 6: build exactly the verified commit, by id, from the local mirror. A configuration that
 * does not evaluate or build never touches the running system. In dry-run it logs the command.
 */
public final class Realise {

    private static final Logger LOG = Logger.getLogger(Realise.class);

    /** A built (or, in dry-run, described) system: what was verified, the flake it was built from, and the output so far. */
    record Built(Verify.Verified verified, FlakeRef flake, Instant started, List<String> output) {

        Select.Candidate candidate() {
            return verified.candidate();
        }
    }

    private final Reconciler.Target target;
    private final LocalMirror mirror;
    private final NixosRebuild rebuild;
    private final StateStore store;
    private final LiveStatus status;
    private final Clock clock;

    public Realise(Reconciler.Target target, LocalMirror mirror, NixosRebuild rebuild, StateStore store, LiveStatus status, Clock clock) {
        this.target = target;
        this.mirror = mirror;
        this.rebuild = rebuild;
        this.store = store;
        this.status = status;
        this.clock = clock;
    }

    Step<Built> build(Verify.Verified verified) throws IOException, InterruptedException {
        Select.Candidate candidate = verified.candidate();
        FlakeRef flake = new FlakeRef(mirror.directory(), candidate.branch(), candidate.commit(), target.host());
        Instant started = clock.instant();
        if (!candidate.action().runsAnything()) {
            String wouldRun = "would run: " + String.join(" ", rebuild.buildCommand(flake));
            LOG.infof("dry-run: %s", wouldRun);
            return Step.proceed(new Built(verified, flake, started, List.of(wouldRun)));
        }
        // Written before anything runs, so a restart mid-deploy finds it and reads the outcome back from the system.
        store.update(s -> s.withAttempt(new Attempt(candidate.commit(), candidate.action().toString(), started, verified.signature(),
                candidate.observedHeads())));
        status.phase(Phase.BUILDING);
        ProcessRunner.Result build = rebuild.build(flake);
        Built built = new Built(verified, flake, started, build.outputTail());
        if (!build.succeeded()) {
            return Step.stop(new Halt.Failed(built, "build " + build.describeFailure(), ReconcileOutcome.Rollback.NOT_NEEDED,
                    build.outputTail()));
        }
        return Step.proceed(built);
    }
}
