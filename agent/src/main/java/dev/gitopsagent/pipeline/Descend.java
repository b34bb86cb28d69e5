package dev.gitopsagent.pipeline;

import java.io.IOException;
import java.util.Optional;

import org.eclipse.jgit.lib.ObjectId;
import org.jboss.logging.Logger;

import dev.gitopsagent.git.History;
import dev.gitopsagent.git.LocalMirror;
import dev.gitopsagent.state.AgentState;
import dev.gitopsagent.state.SignatureRecord;
import dev.gitopsagent.state.StateStore;
import dev.gitopsagent.state.TestedCommit;

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
    private final StateStore store;

    public Descend(Reconciler.Target target, LocalMirror mirror, StateStore store) {
        this.target = target;
        this.mirror = mirror;
        this.store = store;
    }

    Step<Lineage> lineage(Select.Candidate candidate) throws IOException {
        String commit = candidate.commit();
        AgentState state = store.current();
        Optional<Baseline.Commit> baseline = candidate.baseline();
        if (baseline.isPresent()) {
            String base = baseline.get().id();
            if (base.equals(commit)) {
                if (baseline.get().onlyTheTrustRoot()) {
                    // The pinned root is where trust starts, not something that runs: it is verified, built and activated
                    // like any first deployment.
                    return Step.proceed(new Lineage.Continues(candidate, Optional.empty()));
                }
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
        if (candidate.testing()) {
            if (commit.equals(state.testingCommit())) {
                return Step.stop(new Halt.UpToDate(candidate));
            }
            Optional<String> replay = replayOfTestedCommit(commit, state);
            if (replay.isPresent()) {
                return refuse(candidate, replay.get());
            }
        }
        return Step.proceed(new Lineage.Continues(candidate, baseline.map(Baseline.Commit::id)));
    }

    /**
     * A testing commit must move the testing branch forward: one the newest tested commit already
     * contains is a replay. While main has not moved since that test, the testing branch must also
     * descend from it; once main deployed another commit, a testing branch may start afresh on top of it.
     */
    private Optional<String> replayOfTestedCommit(String commit, AgentState state) throws IOException {
        Optional<TestedCommit> tested = state.tested();
        if (tested.isEmpty()) {
            return Optional.empty();
        }
        String last = tested.get().commit();
        boolean known = mirror.hasCommit(ObjectId.fromString(last));
        if (known && History.descendsFrom(mirror.repository(), ObjectId.fromString(last), ObjectId.fromString(commit))) {
            return Optional.of("replay of an older testing commit: " + last + ", tested after it, already contains it");
        }
        boolean sameMain = tested.get().onTopOf() != null && tested.get().onTopOf().equals(state.deployedCommit());
        if (sameMain && !(known && History.descendsFrom(mirror.repository(), ObjectId.fromString(commit), ObjectId.fromString(last)))) {
            return Optional.of("the testing branch was rewritten: it does not descend from " + last
                    + ", the last commit tested on top of " + state.deployedCommit() + " (see 'Rewriting a testing branch' in the README)");
        }
        return Optional.empty();
    }

    private static Step<Lineage> refuse(Select.Candidate candidate, String reason) {
        return Step.stop(new Halt.Refused(candidate.commit(), reason, candidate.observedHeads(), "not-descendant"));
    }
}
