package dev.gitopsagent.rollout;

import java.io.IOException;

import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.treewalk.TreeWalk;

/**
 * The signed halt: a file {@value #PATH} in a commit's tree stops the rollout of that commit. It is
 * read only from commits that were verified, so only a trusted signer can halt (or resume) a fleet.
 */
public final class HaltMarker {

    public static final String PATH = ".gitops/halt";

    private HaltMarker() {
    }

    public static boolean presentIn(Repository repository, ObjectId commit) throws IOException {
        try (RevWalk walk = new RevWalk(repository)) {
            RevCommit parsed = walk.parseCommit(commit);
            try (TreeWalk entry = TreeWalk.forPath(repository, PATH, parsed.getTree())) {
                return entry != null;
            }
        }
    }
}
