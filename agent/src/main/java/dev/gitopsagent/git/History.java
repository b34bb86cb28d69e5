package dev.gitopsagent.git;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;

/** Questions about the commit graph of the local clone. */
public final class History {

    private History() {
    }

    /** Does {@code candidate} descend from (or equal) {@code ancestor}? */
    public static boolean descendsFrom(Repository repository, ObjectId candidate, ObjectId ancestor) throws IOException {
        try (RevWalk walk = new RevWalk(repository)) {
            return walk.isMergedInto(walk.parseCommit(ancestor), walk.parseCommit(candidate));
        }
    }

    /**
     * The first-parent chain after {@code exclusiveStart} up to and including {@code end}, oldest
     * first. With no start, just {@code end}. Merges are on the chain and must be signed themselves.
     */
    public static List<RevCommit> firstParentPath(Repository repository, Optional<ObjectId> exclusiveStart, ObjectId end)
            throws IOException {
        try (RevWalk walk = new RevWalk(repository)) {
            RevCommit head = walk.parseCommit(end);
            if (exclusiveStart.isEmpty()) {
                return List.of(head);
            }
            walk.setFirstParent(true);
            walk.markStart(head);
            walk.markUninteresting(walk.parseCommit(exclusiveStart.get()));
            List<RevCommit> path = new ArrayList<>();
            for (RevCommit commit : walk) {
                path.add(commit);
            }
            Collections.reverse(path);
            return path;
        }
    }
}
