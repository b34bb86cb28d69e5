package dev.gitopsagent.git;

import java.io.IOException;
import java.util.Collection;
import java.util.Optional;
import java.util.Set;

import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;

/**
 * Whether a clone that may be shallow holds all the history verification reads. A shallow commit's
 * parents are missing, so a walk stops there as if it were a root: if one lay between the baseline
 * and a head, a path check would see a shorter path, or no path, than the real one.
 */
final class ShallowHistory {

    private ShallowHistory() {
    }

    /**
     * True when every commit reachable from the heads but not from {@code baseline} is here with its
     * parents: then walks from a head down to the baseline (descent, the first-parent path) see the
     * same commits as in a full clone. With no baseline only the heads themselves are verified. A
     * baseline missing from a shallow clone may lie below the cut, so that is not covered either. A
     * clone with no shallow commits always covers: what it lacks, the remote does not have.
     */
    static boolean covers(Repository repository, Collection<ObjectId> heads, Optional<ObjectId> baseline) throws IOException {
        Set<ObjectId> shallow = repository.getObjectDatabase().getShallowCommits();
        if (shallow.isEmpty() || baseline.isEmpty()) {
            return true;
        }
        if (!repository.getObjectDatabase().has(baseline.get())) {
            return false;
        }
        try (RevWalk walk = new RevWalk(repository)) {
            for (ObjectId head : heads) {
                walk.markStart(walk.parseCommit(head));
            }
            walk.markUninteresting(walk.parseCommit(baseline.get()));
            for (RevCommit commit : walk) {
                if (shallow.contains(commit)) {
                    return false;
                }
            }
            return true;
        }
    }
}
