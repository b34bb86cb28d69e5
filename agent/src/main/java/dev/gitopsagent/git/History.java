package dev.gitopsagent.git;

import java.io.IOException;

import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;
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
}
