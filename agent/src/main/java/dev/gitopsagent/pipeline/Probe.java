package dev.gitopsagent.pipeline;

import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import org.eclipse.jgit.lib.ObjectId;

import dev.gitopsagent.git.FailureText;
import dev.gitopsagent.git.LocalMirror;
import dev.gitopsagent.git.Remote;
import dev.gitopsagent.state.Evaluation;
import dev.gitopsagent.state.StateStore;
import dev.gitopsagent.status.LiveStatus;

/**
 * Stage 1: which heads do the remotes advertise, and is anything new? Asks the remotes in order;
 * one that fails is skipped for the next. Heads already decided on stop the reconcile here, before
 * anything is fetched (a commit waiting for its wave or a window only until the wait can end).
 */
public final class Probe {

    /** The branch heads one remote advertised; the main branch is always among them. */
    record RemoteHeads(Remote remote, String mainBranch, Map<String, ObjectId> ids) {

        ObjectId main() {
            return ids.get(mainBranch);
        }

        /** The heads as one line ({@code main=<id> testing-web1=<id>}): what a decision was made about. */
        String describe() {
            StringBuilder text = new StringBuilder();
            new TreeMap<>(ids).forEach((branch, id) -> text.append(text.length() == 0 ? "" : " ").append(branch).append('=').append(id.name()));
            return text.toString();
        }
    }

    private final Reconciler.Target target;
    private final List<Remote> remotes;
    private final LocalMirror mirror;
    private final StateStore store;
    private final LiveStatus status;
    private final Clock clock;
    /** The remote that answered the last probe, for status. */
    private volatile Remote answering;

    public Probe(Reconciler.Target target, List<Remote> remotes, LocalMirror mirror, StateStore store, LiveStatus status, Clock clock) {
        this.target = target;
        this.remotes = List.copyOf(remotes);
        this.mirror = mirror;
        this.store = store;
        this.status = status;
        this.clock = clock;
    }

    List<Remote> remotes() {
        return remotes;
    }

    Optional<Remote> answering() {
        return Optional.ofNullable(answering);
    }

    Step<RemoteHeads> heads() throws IOException {
        RemoteHeads heads = ask();
        String mainHead = heads.main().name();
        status.remoteHead(mainHead);
        status.testingHead(target.testingBranch().map(heads.ids()::get).map(ObjectId::name).orElse(null));
        Optional<Evaluation> decided = store.current().evaluation();
        if (decided.isPresent() && decided.get().isFinalFor(heads.describe(), clock.instant()) && heads.ids().values().stream().allMatch(mirror::hasCommit)) {
            status.remoteHeadCommittedAt(mirror.commitTime(heads.main()).orElse(null));
            return Step.stop(new Halt.NothingNew(mainHead));
        }
        return Step.proceed(heads);
    }

    private RemoteHeads ask() throws IOException {
        List<String> failures = new ArrayList<>();
        for (Remote remote : remotes) {
            try {
                Map<String, ObjectId> ids = mirror.remoteHeads(remote, target.branches());
                if (ids.containsKey(target.branch())) {
                    answering = remote;
                    return new RemoteHeads(remote, target.branch(), ids);
                }
                failures.add(remote + ": branch " + target.branch() + " does not exist");
            } catch (IOException | RuntimeException e) {
                failures.add(remote + ": " + FailureText.of(e));
            }
        }
        answering = null;
        throw new IOException("cannot read branch " + target.branch() + " from any remote: " + String.join("; ", failures));
    }
}
