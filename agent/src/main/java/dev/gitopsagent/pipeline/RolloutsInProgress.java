package dev.gitopsagent.pipeline;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.eclipse.jgit.lib.ObjectId;
import org.jboss.logging.Logger;

import dev.gitopsagent.git.LocalMirror;
import dev.gitopsagent.rollout.RebootClearance;
import dev.gitopsagent.rollout.Wait;
import dev.gitopsagent.state.AgentState;
import dev.gitopsagent.state.Evaluation;
import dev.gitopsagent.state.StateStore;

/**
 * The rollouts whose wave slots a reboot must stay out of, from what this host knows without asking
 * anyone: the commit it deployed (whose boot default the reboot is for) and the verified commit it
 * waits to activate, if any. Committer dates come from the local clone, where both commits were
 * verified. A halted commit is left out: no host activates it, so it has no rollout.
 */
public final class RolloutsInProgress implements RebootClearance.InProgress {

    private static final Logger LOG = Logger.getLogger(RolloutsInProgress.class);

    private final StateStore store;
    private final LocalMirror mirror;

    public RolloutsInProgress(StateStore store, LocalMirror mirror) {
        this.store = store;
        this.mirror = mirror;
    }

    @Override
    public List<RebootClearance.Rollout> rollouts() {
        AgentState state = store.current();
        List<String> commits = new ArrayList<>();
        state.deployed().ifPresent(commits::add);
        state.evaluation()
                .filter(evaluation -> evaluation.outcome() == Evaluation.Outcome.WAITING)
                .filter(evaluation -> !Wait.HALT.equals(evaluation.waitingFor()))
                .map(Evaluation::commit)
                .filter(commit -> !commits.contains(commit))
                .ifPresent(commits::add);
        List<RebootClearance.Rollout> rollouts = new ArrayList<>();
        for (String commit : commits) {
            Optional<RebootClearance.Rollout> rollout = ObjectId.isId(commit)
                    ? mirror.commitTime(ObjectId.fromString(commit)).map(at -> new RebootClearance.Rollout(commit, at))
                    : Optional.empty();
            if (rollout.isEmpty()) {
                // Only after the clone was re-created and before the next fetch: its schedule is unknown until then.
                LOG.warnf("cannot read the committer date of %s from the local clone; its rollout does not hold a reboot", commit);
            }
            rollout.ifPresent(rollouts::add);
        }
        return List.copyOf(rollouts);
    }
}
