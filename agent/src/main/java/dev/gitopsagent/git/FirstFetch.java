package dev.gitopsagent.git;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.eclipse.jgit.errors.CorruptObjectException;
import org.eclipse.jgit.errors.TransportException;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.NullProgressMonitor;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.transport.FetchConnection;
import org.eclipse.jgit.transport.PackLock;
import org.eclipse.jgit.transport.RefSpec;
import org.eclipse.jgit.transport.Transport;

/**
 * The first fetch into an empty clone, i.e. a new host's first sync: of the whole history, or, when
 * nothing older than the head must be verified, of the head alone (depth 1, {@link LocalMirror}).
 * Every object is checked as it arrives, as in every fetch; completeness is checked in the same pass
 * ({@link LinkRecordingChecker}): with nothing local to build on, the pack must hold every object its
 * commits, trees and tags point to, except the parents of a shallow head. That is what JGit's own check
 * after a fetch establishes by walking the whole history again; later fetches keep that walk, which is
 * short there because it stops at the branches already here.
 *
 * <p>The checking runs on a second thread ({@link BackgroundChecker}) beside JGit's pack parser; a
 * malformed object refuses the fetch all the same, naming the object, before any branch is created.
 */
final class FirstFetch {

    private FirstFetch() {
    }

    /**
     * Fetches the branches through {@code transport} (credentials and options already applied) and
     * creates them; with {@code headOnly}, the heads without their history.
     */
    static Map<String, ObjectId> run(BoundedRepository repository, Transport transport, Collection<String> branches, boolean headOnly)
            throws IOException {
        LinkRecordingChecker links = new LinkRecordingChecker();
        if (headOnly) {
            transport.setDepth(1);
        }
        List<RefSpec> specs = branches.stream().map(branch -> new RefSpec(Constants.R_HEADS + branch)).toList();
        Map<String, ObjectId> heads = new LinkedHashMap<>();
        try (BackgroundChecker checker = new BackgroundChecker(links)) {
            transport.setObjectChecker(checker);
            try (FetchConnection connection = transport.openFetch(specs)) {
                Map<ObjectId, Ref> wants = new LinkedHashMap<>();
                for (String branch : branches) {
                    Ref ref = connection.getRef(Constants.R_HEADS + branch);
                    if (ref == null || ref.getObjectId() == null) {
                        throw new TransportException(transport.getURI(), "branch " + branch + " does not exist on the remote");
                    }
                    heads.put(branch, ref.getObjectId());
                    wants.putIfAbsent(ref.getObjectId(), ref);
                    links.require(ref.getObjectId());
                }
                if (headOnly) {
                    repository.allowShallow(Set.copyOf(heads.values()));
                }
                fetch(connection, new ArrayList<>(wants.values()), checker, transport);
            }
            try {
                checker.finish();
            } catch (CorruptObjectException e) {
                throw malformed(transport, e);
            }
        }
        Optional<ObjectId> missing;
        try (ObjectReader reader = repository.newObjectReader()) {
            missing = links.firstMissing(reader, cutParents(repository, reader));
        }
        if (missing.isPresent()) {
            // No branch points into the incomplete pack; the next first fetch starts from an empty clone again.
            throw new TransportException(transport.getURI(), "the remote sent an incomplete history: object " + missing.get().name()
                    + " is named by a fetched commit or tree but was not sent; no branch was created");
        }
        createBranches(repository, heads);
        return heads;
    }

    /** The parents of the shallow heads: history a shallow first sync did not ask for. */
    private static Set<ObjectId> cutParents(Repository repository, ObjectReader reader) throws IOException {
        Set<ObjectId> cut = new HashSet<>();
        for (ObjectId shallow : repository.getObjectDatabase().getShallowCommits()) {
            cut.addAll(LinkRecordingChecker.parents(reader.open(shallow, Constants.OBJ_COMMIT).getCachedBytes()));
        }
        return cut;
    }

    private static void fetch(FetchConnection connection, List<Ref> wants, BackgroundChecker checker, Transport transport)
            throws IOException {
        try {
            connection.fetch(NullProgressMonitor.INSTANCE, wants, Set.of());
        } catch (IOException e) {
            // A malformed object stops JGit's parser at its next object, which JGit then names: name the malformed one.
            // The parallel parser (FirstPackParser) checks on its own threads and fails with the malformed object itself.
            Optional<CorruptObjectException> malformed = checker.failure().or(() -> Causes.find(e, CorruptObjectException.class));
            if (malformed.isPresent()) {
                throw malformed(transport, malformed.get());
            }
            Optional<CorruptPackException> corrupt = Causes.find(e, CorruptPackException.class);
            if (corrupt.isPresent()) {
                throw new TransportException(transport.getURI(), "the remote sent a malformed pack: " + corrupt.get().getMessage()
                        + "; nothing of it is kept and no branch was created", e);
            }
            throw e;
        } finally {
            for (PackLock lock : connection.getPackLocks()) {
                lock.unlock();
            }
        }
    }

    private static TransportException malformed(Transport transport, CorruptObjectException e) {
        // As for an incomplete history, the objects stay without a branch until the next first fetch starts afresh.
        return new TransportException(transport.getURI(), e.getMessage() + "; no branch was created", e);
    }

    private static void createBranches(Repository repository, Map<String, ObjectId> heads) throws IOException {
        for (Map.Entry<String, ObjectId> head : heads.entrySet()) {
            RefUpdate update = repository.updateRef(Constants.R_HEADS + head.getKey());
            update.setNewObjectId(head.getValue());
            update.setForceUpdate(true);
            RefUpdate.Result result = update.update();
            if (result != RefUpdate.Result.NEW && result != RefUpdate.Result.FORCED && result != RefUpdate.Result.NO_CHANGE) {
                throw new IOException("cannot create branch " + head.getKey() + " in " + repository.getDirectory() + ": " + result);
            }
        }
    }
}
