package dev.gitopsagent.pipeline;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

import org.eclipse.jgit.errors.CorruptObjectException;
import org.eclipse.jgit.errors.MissingObjectException;
import org.eclipse.jgit.errors.PackInvalidException;
import org.eclipse.jgit.lib.ObjectId;
import org.jboss.logging.Logger;

import dev.gitopsagent.git.FailureText;
import dev.gitopsagent.git.FetchRefusedException;
import dev.gitopsagent.git.LocalMirror;
import dev.gitopsagent.git.Remote;
import dev.gitopsagent.state.Evaluation;
import dev.gitopsagent.state.StateStore;
import dev.gitopsagent.status.LiveStatus;

/**
 * Stage 2: are the advertised commits here, complete and bounded? Fetches them into the local
 * mirror; a damaged mirror is re-cloned once. A fetch over its bounds, or one that would cut the
 * mirror's history, is refused: nothing of it is kept, and the next poll tries again; refused again,
 * the same heads wait longer each time before the next try ({@link RefusedFetchBackoff}).
 */
public final class Fetch {

    private static final Logger LOG = Logger.getLogger(Fetch.class);

    /** The fetched branch heads, the advertised heads a decision about them is valid for, and the baseline fetched down to. */
    record Fetched(String mainBranch, Map<String, ObjectId> ids, String observedHeads, Optional<Baseline.Commit> baseline) {
    }

    private final LocalMirror mirror;
    private final Baseline baseline;
    private final StateStore store;
    private final LiveStatus status;
    private final RefusedFetchBackoff backoff;
    private final Clock clock;

    public Fetch(LocalMirror mirror, Baseline baseline, StateStore store, LiveStatus status, Duration pollInterval, Duration maxBackoff,
            Clock clock) {
        this.mirror = mirror;
        this.baseline = baseline;
        this.store = store;
        this.status = status;
        this.backoff = new RefusedFetchBackoff(pollInterval, maxBackoff);
        this.clock = clock;
    }

    /** The mirror's housekeeping, once a reconcile is recorded and reported ({@link LocalMirror#mergeSmallPacks}). */
    void tidyMirror() {
        mirror.mergeSmallPacks();
    }

    Step<Fetched> commits(Probe.RemoteHeads heads) throws IOException {
        String observed = heads.describe();
        Optional<Instant> heldBack = backoff.holdsBack(observed, clock.instant()).filter(until -> lastDecisionRefused(observed));
        if (heldBack.isPresent()) {
            LOG.debugf("the fetch of %s was refused; it is tried again from %s", observed, heldBack.get());
            return Step.stop(new Halt.NothingNew(heads.main().name()));
        }
        // The verified path starts at the baseline, so the mirror needs the history down to it.
        Optional<Baseline.Commit> base = baseline.find();
        Map<String, ObjectId> fetched;
        try {
            fetched = fetch(heads.remote(), heads, base.map(Baseline.Commit::id).map(ObjectId::fromString));
        } catch (IOException e) {
            Optional<FetchRefusedException> refused = FetchRefusedException.in(e);
            if (refused.isEmpty()) {
                throw e;
            }
            // The heads are not in the mirror, so Probe does not take this refusal as final: a later poll fetches again.
            backoff.refused(observed, clock.instant()).ifPresent(until -> LOG.infof("the fetch of %s was refused again: it is tried"
                    + " again from %s, or at once when a branch moves, on an operator's retry or after a restart", observed, until));
            return Step.stop(new Halt.Refused(heads.main().name(), "fetch from " + heads.remote() + " stopped: " + refused.get().getMessage(),
                    observed, refused.get().reason().label()));
        }
        backoff.fetched();
        status.remoteHeadCommittedAt(mirror.commitTime(fetched.get(heads.mainBranch())).orElse(null));
        return Step.proceed(new Fetched(heads.mainBranch(), fetched, observed, base));
    }

    /** Whether the refusal is still the last decision about these heads: an operator's retry forgets it. */
    private boolean lastDecisionRefused(String observed) {
        return store.current().evaluation()
                .filter(evaluation -> evaluation.outcome() == Evaluation.Outcome.REFUSED && observed.equals(evaluation.observedHeads()))
                .isPresent();
    }

    private Map<String, ObjectId> fetch(Remote remote, Probe.RemoteHeads heads, Optional<ObjectId> base) throws IOException {
        Map<String, ObjectId> fetched;
        try {
            fetched = mirror.fetch(remote, heads.ids(), base);
        } catch (IOException e) {
            if (!isLocalCorruption(e)) {
                throw new IOException("fetch from " + remote + " failed: " + FailureText.of(e), e);
            }
            LOG.warnf("local clone is damaged (%s); re-cloning", e.getMessage());
            mirror.recreate();
            return mirror.fetch(remote, heads.ids(), base);
        }
        if (!fetched.values().stream().allMatch(mirror::isComplete)) {
            LOG.warn("local clone is missing objects of the fetched commits; re-cloning");
            mirror.recreate();
            fetched = mirror.fetch(remote, heads.ids(), base);
        }
        return fetched;
    }

    private static boolean isLocalCorruption(IOException e) {
        return e instanceof CorruptObjectException || e instanceof MissingObjectException || e instanceof PackInvalidException;
    }
}
