package dev.gitopsagent.pipeline;

import java.io.IOException;
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
import dev.gitopsagent.status.LiveStatus;

/**
 * Stage 2: are the advertised commits here, complete and bounded? Fetches them into the local
 * mirror; a damaged mirror is re-cloned once. A fetch over its bounds, or one that would cut the
 * mirror's history, is refused: nothing of it is kept, and the next poll tries again.
 */
public final class Fetch {

    private static final Logger LOG = Logger.getLogger(Fetch.class);

    /** The fetched branch heads, the advertised heads a decision about them is valid for, and the baseline fetched down to. */
    record Fetched(String mainBranch, Map<String, ObjectId> ids, String observedHeads, Optional<Baseline.Commit> baseline) {
    }

    private final LocalMirror mirror;
    private final Baseline baseline;
    private final LiveStatus status;

    public Fetch(LocalMirror mirror, Baseline baseline, LiveStatus status) {
        this.mirror = mirror;
        this.baseline = baseline;
        this.status = status;
    }

    Step<Fetched> commits(Probe.RemoteHeads heads) throws IOException {
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
            // The heads are not in the mirror, so Probe does not take this refusal as final: the next poll fetches again.
            return Step.stop(new Halt.Refused(heads.main().name(), "fetch from " + heads.remote() + " stopped: " + refused.get().getMessage(),
                    heads.describe(), refused.get().reason().label()));
        }
        status.remoteHeadCommittedAt(mirror.commitTime(fetched.get(heads.mainBranch())).orElse(null));
        return Step.proceed(new Fetched(heads.mainBranch(), fetched, heads.describe(), base));
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
