package dev.gitopsagent.git;

import java.io.IOException;
import java.util.Collection;

import org.eclipse.jgit.errors.CorruptObjectException;
import org.eclipse.jgit.lib.ObjectChecker;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.ObjectWalk;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevObject;

/**
 * The checks JGit's {@code checkFetchedObjects} makes (every object well-formed, the graph
 * connected), for a depth-limited fetch, where JGit's own connectivity walk does not stop at the
 * shallow commits the fetch just recorded. Walks what the fetch brought, stopping at those commits.
 */
final class ReceivedObjects {

    private ReceivedObjects() {
    }

    /**
     * Checks every object reachable from {@code heads} and not from {@code previous} (the refs before
     * the fetch). A missing or malformed object throws; the caller's corruption handling re-creates
     * the clone, so nothing built or verified ever reads it.
     */
    static void check(Repository repository, Collection<ObjectId> heads, Collection<ObjectId> previous) throws IOException {
        ObjectChecker checker = new ObjectChecker();
        try (ObjectWalk walk = new ObjectWalk(repository); ObjectReader reader = walk.getObjectReader()) {
            walk.assumeShallow(repository.getObjectDatabase().getShallowCommits());
            for (ObjectId head : heads) {
                walk.markStart(walk.parseAny(head));
            }
            for (ObjectId old : previous) {
                if (reader.has(old)) {
                    walk.markUninteresting(walk.parseAny(old));
                }
            }
            for (RevCommit commit = walk.next(); commit != null; commit = walk.next()) {
                check(checker, reader, commit);
            }
            for (RevObject object = walk.nextObject(); object != null; object = walk.nextObject()) {
                check(checker, reader, object);
            }
        }
    }

    private static void check(ObjectChecker checker, ObjectReader reader, RevObject object) throws IOException {
        try {
            checker.check(object, object.getType(), reader.open(object, object.getType()).getCachedBytes(Integer.MAX_VALUE));
        } catch (CorruptObjectException e) {
            throw new CorruptObjectException(object, e.getMessage());
        }
    }
}
