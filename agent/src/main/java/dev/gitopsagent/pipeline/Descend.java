package dev.gitopsagent.pipeline;

import java.io.IOException;
import java.util.Optional;

import org.eclipse.jgit.lib.ObjectId;
import org.jboss.logging.Logger;

import dev.gitopsagent.deploy.SystemProfile;
import dev.gitopsagent.git.History;
import dev.gitopsagent.git.LocalMirror;
import dev.gitopsagent.state.AgentState;
import dev.gitopsagent.state.SignatureRecord;
import dev.gitopsagent.state.StateStore;

/**
 * Stage 4: does the candidate continue what runs? It must descend from the baseline, or the forge
 * could roll the host back to an older, validly signed commit.
 */
public final class Descend {

    private static final Logger LOG = Logger.getLogger(Descend.class);

    /** How the candidate relates to what runs. */
    sealed interface Lineage {
        Select.Candidate candidate();

        /** The candidate descends from the baseline (if there is one): the commits in between must be verified. */
        record Continues(Select.Candidate candidate, Optional<String> baseline) implements Lineage {
        }

        /** A test ends and the host returns to its deployed commit, which was verified when it was deployed. */
        record Returns(Select.Candidate candidate, SignatureRecord signature) implements Lineage {
        }
    }

    private final Reconciler.Target target;
    private final LocalMirror mirror;
    private final SystemProfile system;
    private final StateStore store;

    public Descend(Reconciler.Target target, LocalMirror mirror, SystemProfile system, StateStore store) {
        this.target = target;
        this.mirror = mirror;
        this.system = system;
        this.store = store;
    }

    Step<Lineage> lineage(Select.Candidate candidate) throws IOException {
        String commit = candidate.commit();
        AgentState state = store.current();
        Optional<String> baseline = baseline();
        if (baseline.isPresent()) {
            String base = baseline.get();
            if (base.equals(commit)) {
                if (state.testingCommit() == null) {
                    return Step.stop(new Halt.UpToDate(candidate));
                }
                LOG.infof("the testing branch no longer sits on top of %s: returning to %s", target.branch(), commit);
                return Step.proceed(new Lineage.Returns(candidate, state.deployedSignature()));
            }
            if (!mirror.hasCommit(ObjectId.fromString(base))) {
                return refuse(candidate, "not a descendant: the deployed commit " + base
                        + " is not in the remote's history (force-push or rollback)");
            }
            if (!History.descendsFrom(mirror.repository(), ObjectId.fromString(commit), ObjectId.fromString(base))) {
                return refuse(candidate, "not a descendant of the deployed commit " + base + ": force-push or rollback");
            }
        }
        if (candidate.testing() && commit.equals(state.testingCommit())) {
            return Step.stop(new Halt.UpToDate(candidate));
        }
        return Step.proceed(new Lineage.Continues(candidate, baseline));
    }

    private static Step<Lineage> refuse(Select.Candidate candidate, String reason) {
        return Step.stop(new Halt.Refused(candidate.commit(), reason, candidate.observedHeads()));
    }

    /**
     * The commit new deployments must descend from: the last one deployed, else the one the running
     * system says it was built from (so losing the state file does not re-open rollback), else the
     * configured trust root.
     */
    private Optional<String> baseline() {
        Optional<String> deployed = store.current().deployed();
        if (deployed.isPresent()) {
            return deployed;
        }
        Optional<String> running = system.runningCommit();
        if (running.isPresent()) {
            LOG.infof("no deployment on record; the running system was built from %s", running.get());
            return running;
        }
        return target.trustRoot();
    }
}
