package dev.gitopsagent.pipeline;

import java.io.IOException;
import java.util.List;
import java.util.Optional;

import org.jboss.logging.Logger;

import dev.gitopsagent.deploy.Action;
import dev.gitopsagent.git.Remote;
import dev.gitopsagent.state.AgentState;
import dev.gitopsagent.state.StateStore;
import dev.gitopsagent.status.LiveStatus;
import dev.gitopsagent.status.Phase;

/**
 * One reconcile, as a pipeline of stages run in order: probe the remotes for the branch heads;
 * fetch them; select the commit this host should run; require it to descend from what runs; verify
 * every commit on the way; hold it while a signed halt or the host's wave says so; build exactly
 * that commit; hold the activation for a maintenance window; activate it and check its health;
 * record the outcome. Each stage either hands a value to the next or stops the reconcile with a reason; the
 * first stop is recorded. Runs on one thread at a time.
 */
public final class Reconciler {

    private static final Logger LOG = Logger.getLogger(Reconciler.class);

    /**
     * The fixed parts of a reconcile: which branches, which host, how to activate.
     *
     * @param testingBranch a branch that, when it sits on top of {@code branch}, is deployed with {@code test}
     */
    public record Target(String branch, Optional<String> testingBranch, String host, Action action, Optional<String> trustRoot,
            int historySize) {

        /** The branches one poll asks for: the main one, then the testing one. */
        public List<String> branches() {
            return testingBranch.map(testing -> List.of(branch, testing)).orElse(List.of(branch));
        }
    }

    /** The stages, in the order they run. */
    public record Stages(Probe probe, Gate gate, Fetch fetch, Select select, Descend descend, Verify verify, Realise realise,
            Activate activate, Recorder recorder) {
    }

    private final Target target;
    private final Stages stages;
    private final StateStore store;
    private final LiveStatus status;

    public Reconciler(Target target, Stages stages, Recovery recovery, StateStore store, LiveStatus status) throws IOException {
        this.target = target;
        this.stages = stages;
        this.store = store;
        this.status = status;
        recovery.settleInterruptedAttempt();
    }

    public AgentState state() {
        return store.current();
    }

    public Target target() {
        return target;
    }

    public List<Remote> remotes() {
        return stages.probe().remotes();
    }

    public synchronized ReconcileOutcome reconcile() {
        try {
            ReconcileOutcome outcome = reconcileOnce();
            status.polled(outcome.label(), answering());
            return outcome;
        } catch (IOException | RuntimeException e) {
            String reason = e.getMessage() == null ? e.toString() : e.getMessage();
            LOG.errorf("reconcile failed: %s", reason);
            status.failed(reason);
            status.polled("error", answering());
            return new ReconcileOutcome.Errored(reason);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new ReconcileOutcome.Errored("interrupted");
        } finally {
            status.phase(Phase.IDLE);
        }
    }

    /**
     * The mirror's housekeeping, for after a reconcile has been recorded and reported: done inside the
     * reconcile, it would delay a build, an activation or a forge's status. Not after an interrupt (shutdown).
     */
    public synchronized void tidy() {
        if (!Thread.currentThread().isInterrupted()) {
            stages.fetch().tidyMirror();
        }
    }

    private ReconcileOutcome reconcileOnce() throws IOException, InterruptedException {
        status.phase(Phase.FETCHING);
        return stages.probe().heads()
                .then(stages.gate()::mayFetch)
                .then(stages.fetch()::commits)
                .then(stages.select()::candidate)
                .then(stages.descend()::lineage)
                .then(stages.verify()::signatures)
                .then(stages.select()::rollout)
                .then(stages.realise()::build)
                .then(stages.gate()::mayActivate)
                .then(stages.activate()::activate)
                .end(stages.recorder()::deployed, stages.recorder()::stopped);
    }

    private String answering() {
        return stages.probe().answering().map(Remote::toString).orElse(null);
    }
}
