package dev.gitopsagent.pipeline;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

import org.jboss.logging.Logger;

import dev.gitopsagent.deploy.SystemProfile;
import dev.gitopsagent.rollout.Wait;
import dev.gitopsagent.state.Deployment;
import dev.gitopsagent.state.Evaluation;
import dev.gitopsagent.state.HighWaterMark;
import dev.gitopsagent.state.StateStore;
import dev.gitopsagent.status.LiveStatus;

/**
 * Last stage: what happened, durably (the state file) and for people (log and live status). A
 * deployment, a refusal and a failure each become the decision about the heads they were made on,
 * so the same heads are not tried again.
 */
public final class Recorder {

    private static final Logger LOG = Logger.getLogger(Recorder.class);

    private final Reconciler.Target target;
    private final SystemProfile system;
    private final StateStore store;
    private final HighWaterMark mark;
    private final LiveStatus status;
    private final Clock clock;

    public Recorder(Reconciler.Target target, SystemProfile system, StateStore store, HighWaterMark mark, LiveStatus status, Clock clock) {
        this.target = target;
        this.system = system;
        this.store = store;
        this.mark = mark;
        this.status = status;
        this.clock = clock;
    }

    ReconcileOutcome deployed(Activate.Activated activated) throws IOException {
        Select.Candidate candidate = activated.candidate();
        Realise.Built built = activated.built();
        String commit = candidate.commit();
        Instant finished = clock.instant();
        Integer generation = system.currentGeneration().map(SystemProfile.Generation::number).orElse(null);
        var signature = built.verified().signature();
        Deployment deployment = new Deployment(commit, activated.action().toString(), Deployment.Result.SUCCEEDED, built.started(), finished,
                Duration.between(built.started(), finished).toMillis(), null, signature, generation, activated.output());
        store.update(s -> (candidate.testing() ? s.withTesting(commit) : s.withDeployed(commit, finished, signature))
                .withOverride(null)
                .withEvaluation(evaluation(commit, Evaluation.Outcome.DEPLOYED, null, candidate.observedHeads()))
                .withFinished(deployment, target.historySize()));
        if (!candidate.testing()) {
            built.verified().signers().ifPresent(status::signersInForce);
        }
        if (!candidate.testing() && candidate.action().runsAnything()) {
            mark.record(commit);
        }
        LOG.infof("deployed %s from %s (%s)", commit, candidate.branch(), activated.action());
        return new ReconcileOutcome.Deployed(commit, activated.action().toString());
    }

    ReconcileOutcome stopped(Halt halt) throws IOException {
        if (halt instanceof Halt.NothingNew nothingNew) {
            return new ReconcileOutcome.Unchanged(nothingNew.head());
        }
        if (halt instanceof Halt.Suspended suspended) {
            return new ReconcileOutcome.Suspended(suspended.head());
        }
        if (halt instanceof Halt.SuspendedBeforeActivation suspended) {
            String commit = suspended.built().candidate().commit();
            LOG.infof("deployments were suspended (%s) while %s was being built: it is not activated, and is tried again when"
                    + " deployments resume", suspended.reason(), commit);
            // No decision is recorded: on resume the same heads are evaluated again and the built commit is activated.
            store.update(s -> s.withAttempt(null));
            return new ReconcileOutcome.Suspended(commit);
        }
        if (halt instanceof Halt.UpToDate upToDate) {
            Select.Candidate candidate = upToDate.candidate();
            store.update(s -> s.withEvaluation(evaluation(candidate.commit(), Evaluation.Outcome.DEPLOYED, null, candidate.observedHeads())));
            return new ReconcileOutcome.Unchanged(candidate.commit());
        }
        if (halt instanceof Halt.Refused refused) {
            return refused(refused);
        }
        if (halt instanceof Halt.Waiting waiting) {
            return waiting(waiting);
        }
        return failed((Halt.Failed) halt);
    }

    private ReconcileOutcome refused(Halt.Refused refused) throws IOException {
        String commit = refused.commit();
        String message = "refused " + commit + ": " + refused.reason();
        LOG.error(message);
        status.failed(message);
        store.update(s -> s.withEvaluation(evaluation(commit, Evaluation.Outcome.REFUSED, message, refused.observedHeads())));
        return new ReconcileOutcome.Refused(commit, message, refused.cause());
    }

    /**
     * A wait is decided like anything else, so the same heads are not fetched, verified and built on
     * every poll, but only until the wait can have ended. It is not a problem: no error is shown. A
     * build done before a window wait leaves no attempt behind.
     */
    private ReconcileOutcome waiting(Halt.Waiting waiting) throws IOException {
        Select.Candidate candidate = waiting.candidate();
        Wait wait = waiting.cause();
        Evaluation evaluation = new Evaluation(candidate.commit(), Evaluation.Outcome.WAITING, wait.describe(), clock.instant(),
                candidate.observedHeads(), wait.kind(), wait.until().orElse(null), wait.since().orElse(null));
        store.update(s -> s.withAttempt(null).withEvaluation(evaluation));
        LOG.info(wait.describe());
        return new ReconcileOutcome.Waiting(candidate.commit(), wait);
    }

    private ReconcileOutcome failed(Halt.Failed failed) throws IOException {
        Realise.Built built = failed.built();
        Select.Candidate candidate = built.candidate();
        String commit = candidate.commit();
        Instant finished = clock.instant();
        Deployment deployment = new Deployment(commit, candidate.action().toString(), Deployment.Result.FAILED, built.started(), finished,
                Duration.between(built.started(), finished).toMillis(), failed.reason(), built.verified().signature(), null, failed.output());
        String message = "deployment of " + commit + " failed: " + failed.reason()
                + "; it is not retried until the branch moves or a retry is requested";
        store.update(s -> s.withEvaluation(evaluation(commit, Evaluation.Outcome.FAILED, message, candidate.observedHeads()))
                .withOverride(null)
                .withFinished(deployment, target.historySize()));
        LOG.error(message);
        status.failed(message);
        return new ReconcileOutcome.Failed(commit, message, failed.rollback());
    }

    private Evaluation evaluation(String commit, Evaluation.Outcome outcome, String reason, String observed) {
        return new Evaluation(commit, outcome, reason, clock.instant(), observed);
    }
}
