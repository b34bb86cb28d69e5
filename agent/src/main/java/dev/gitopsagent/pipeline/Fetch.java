package dev.gitopsagent.pipeline;

import java.io.IOException;
import java.util.Map;
import java.util.Optional;

import org.eclipse.jgit.errors.CorruptObjectException;
import org.eclipse.jgit.errors.MissingObjectException;
import org.eclipse.jgit.errors.PackInvalidException;
import org.eclipse.jgit.lib.ObjectId;
import org.jboss.logging.Logger;

import dev.gitopsagent.deploy.SystemProfile;
import dev.gitopsagent.git.LocalMirror;
import dev.gitopsagent.git.Remote;
import dev.gitopsagent.state.StateStore;
import dev.gitopsagent.status.LiveStatus;

/**
 * Stage 2: are the advertised commits here, and complete? Fetches them into the local mirror; a
 * damaged mirror is re-cloned once.
 */
public final class Fetch {

    private static final Logger LOG = Logger.getLogger(Fetch.class);

    /** The fetched branch heads, and the advertised heads a decision about them is valid for. */
    record Fetched(String mainBranch, Map<String, ObjectId> ids, String observedHeads) {
    }

    private final LocalMirror mirror;
    private final LiveStatus status;
    private final Baseline baseline;

    public Fetch(Reconciler.Target target, LocalMirror mirror, SystemProfile system, StateStore store, LiveStatus status) {
        this.mirror = mirror;
        this.status = status;
        this.baseline = new Baseline(target, system, store);
    }

    Step<Fetched> commits(Probe.RemoteHeads heads) throws IOException {
        Map<String, ObjectId> fetched = fetch(heads.remote(), heads);
        status.remoteHeadCommittedAt(mirror.commitTime(fetched.get(heads.mainBranch())).orElse(null));
        return Step.proceed(new Fetched(heads.mainBranch(), fetched, heads.describe()));
    }

    /** History comes down to the baseline, the first commit verification does not read (see {@link LocalMirror#fetch}). */
    private Map<String, ObjectId> fetch(Remote remote, Probe.RemoteHeads heads) throws IOException {
        Optional<ObjectId> baseline = this.baseline.commit().map(ObjectId::fromString);
        Map<String, ObjectId> fetched;
        try {
            fetched = mirror.fetch(remote, heads.ids().keySet(), baseline);
        } catch (IOException e) {
            if (!isLocalCorruption(e)) {
                throw new IOException("fetch from " + remote + " failed: " + e.getMessage(), e);
            }
            LOG.warnf("local clone is damaged (%s); re-cloning", e.getMessage());
            mirror.recreate();
            return mirror.fetch(remote, heads.ids().keySet(), baseline);
        }
        if (!fetched.values().stream().allMatch(mirror::isComplete)) {
            LOG.warn("local clone is missing objects of the fetched commits; re-cloning");
            mirror.recreate();
            fetched = mirror.fetch(remote, heads.ids().keySet(), baseline);
        }
        return fetched;
    }

    private static boolean isLocalCorruption(IOException e) {
        return e instanceof CorruptObjectException || e instanceof MissingObjectException || e instanceof PackInvalidException;
    }
}
