package dev.gitopsagent.pipeline;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import org.jboss.logging.Logger;

import dev.gitopsagent.deploy.Action;
import dev.gitopsagent.deploy.SystemProfile;
import dev.gitopsagent.state.AgentState;
import dev.gitopsagent.state.Attempt;
import dev.gitopsagent.state.Deployment;
import dev.gitopsagent.state.Evaluation;
import dev.gitopsagent.state.HighWaterMark;
import dev.gitopsagent.state.StateStore;
import dev.gitopsagent.status.LiveStatus;

/**
 * At startup, settles a deployment that was running when the agent stopped: if the running system
 * is not that commit, it did not finish and is tried again; if it is, it was activated, but its
 * health checks may not have run to the end, so they run again and a failure rolls back as usual.
 */
public final class Recovery {

    private static final Logger LOG = Logger.getLogger(Recovery.class);

    private final Reconciler.Target target;
    private final Activate activate;
    private final SystemProfile system;
    private final StateStore store;
    private final HighWaterMark mark;
    private final LiveStatus status;
    private final Clock clock;

    public Recovery(Reconciler.Target target, Activate activate, SystemProfile system, StateStore store, HighWaterMark mark, LiveStatus status,
            Clock clock) {
        this.target = target;
        this.activate = activate;
        this.system = system;
        this.store = store;
        this.mark = mark;
        this.status = status;
        this.clock = clock;
    }

    void settleInterruptedAttempt() throws IOException {
        try {
            settle();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while settling the interrupted deployment");
        }
    }

    private void settle() throws IOException, InterruptedException {
        Optional<Attempt> attempt = store.current().inProgress();
        if (attempt.isEmpty()) {
            return;
        }
        Attempt interrupted = attempt.get();
        boolean activated = system.runningCommit().filter(interrupted.commit()::equals).isPresent();
        if (!activated) {
            finish(interrupted, Deployment.Result.INTERRUPTED, "agent stopped before the deployment finished");
            return;
        }
        Optional<String> unhealthy = activate.recheck(interrupted);
        if (unhealthy.isPresent()) {
            String reason = "agent stopped after activation; checked again after the restart: " + unhealthy.get();
            finish(interrupted, Deployment.Result.FAILED, reason);
            String message = "deployment of " + interrupted.commit() + " failed: " + reason
                    + "; it is not retried until the branch moves or a retry is requested";
            store.update(s -> s.withEvaluation(new Evaluation(interrupted.commit(), Evaluation.Outcome.FAILED, message, clock.instant(),
                    interrupted.observedHeads())));
            status.failed(message);
            return;
        }
        finish(interrupted, Deployment.Result.SUCCEEDED, "agent stopped after activation; read back from the running system");
        if (!interrupted.action().equals(Action.TEST.toString())) {
            mark.record(interrupted.commit());
        }
    }

    private void finish(Attempt interrupted, Deployment.Result result, String reason) throws IOException {
        Instant now = clock.instant();
        Deployment deployment = new Deployment(interrupted.commit(), interrupted.action(), result, interrupted.startedAt(), now,
                Duration.between(interrupted.startedAt(), now).toMillis(), reason, interrupted.signature(), null, List.of());
        LOG.warnf("previous run was interrupted while deploying %s: %s", interrupted.commit(), reason);
        store.update(loaded -> {
            AgentState recovered = loaded.withFinished(deployment, target.historySize());
            if (result != Deployment.Result.SUCCEEDED) {
                return recovered;
            }
            return interrupted.action().equals(Action.TEST.toString()) ? recovered.withTesting(interrupted.commit())
                    : recovered.withDeployed(interrupted.commit(), now, interrupted.signature());
        });
    }
}
