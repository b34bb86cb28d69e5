package dev.gitopsagent.git;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

import org.eclipse.jgit.errors.RepositoryNotFoundException;
import org.eclipse.jgit.internal.storage.file.FileRepository;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.transport.PackParser;

/**
 * The local mirror's repository, with every fetch into it bounded. JGit has no fetch-side limits
 * ({@code ReceivePack}'s pack size limit is for pushes), but every fetch connection it has (smart
 * HTTP, SSH, {@code file://}, in-process or forked, and dumb HTTP) stores what it receives through
 * {@link #newObjectInserter()}: one inserter per fetch, whose pack parser reads the pack stream. So
 * that stream is where the bounds hold, whatever the transport.
 *
 * <p>It is also where unsolicited shallow information is caught. A protocol v2 server may answer a
 * fetch with a {@code shallow-info} section that JGit writes to {@code shallow}, cutting history the
 * agent did not agree to cut (or uncutting it without sending what lies below); either would break the
 * descent check and the verified path. The only cut the agent agrees to is below the head a shallow
 * first sync asked for ({@link #allowShallow}); every other fetch leaves the cut where it is
 * ({@link #keepShallow}), since the agent re-clones rather than deepen. The section comes before the
 * pack, so the pack is refused unread and the branches stay where they were; {@link LocalMirror} puts
 * the shallow file back as it was.
 *
 * <p>A pack parsed into an object store that holds nothing yet, a first fetch, is indexed on every core
 * ({@link FirstPackParser}) instead of by JGit's parser. Any other pack is read to its end and scanned
 * before JGit's parser indexes it ({@link PackSpool}), so the {@link HeldObjectLimit} bounds every fetch.
 */
final class BoundedRepository extends FileRepository {

    private final FetchBounds bounds;
    /** The commits the current fetch may leave shallow, and whether it must leave exactly those; see the class comment. */
    private volatile Set<ObjectId> shallowAllowed = Set.of();
    private volatile boolean shallowExactly = true;
    /** What the latest fetch received: one inserter per fetch (see the class comment), each with its tally. */
    private volatile FetchTally latestTally;

    private BoundedRepository(FileRepositoryBuilder builder, FetchBounds bounds) throws IOException {
        super(builder);
        this.bounds = bounds;
        this.latestTally = new FetchTally(bounds, HeapCapacity.ofThisProcess());
    }

    /** Like {@link FileRepositoryBuilder#build()}, with the bounds. */
    static BoundedRepository open(FileRepositoryBuilder builder, FetchBounds bounds) throws IOException {
        builder.setup();
        BoundedRepository repository = new BoundedRepository(builder, bounds);
        if (builder.isMustExist() && !repository.getObjectDatabase().exists()) {
            repository.close();
            throw new RepositoryNotFoundException(builder.getGitDir());
        }
        return repository;
    }

    @Override
    public ObjectInserter newObjectInserter() {
        FetchTally tally = new FetchTally(bounds, HeapCapacity.ofThisProcess());
        latestTally = tally;
        return new BoundedInserter(super.newObjectInserter(), tally);
    }

    /**
     * The refusal of the fetch that just ran the heap out of memory, naming the objects it announced. Its parser's tables
     * were unreachable once the error left it, so the heap has room again: the agent refuses the fetch, as it refuses
     * one over a bound, instead of exiting to be restarted and fetch the same pack again.
     */
    FetchRefusedException heapExhausted() {
        return latestTally.exhausted();
    }

    /**
     * The next fetch must leave the clone cut exactly where it is: at {@code commits}, or nowhere. Called as each fetch
     * begins, so it also forgets what the last one received: nothing yet, until the fetch's inserter counts its own.
     */
    void keepShallow(Set<ObjectId> commits) {
        shallowAllowed = Set.copyOf(commits);
        shallowExactly = true;
        latestTally = new FetchTally(bounds, HeapCapacity.ofThisProcess());
    }

    /** The next fetch, a shallow first sync, may cut the history below {@code heads} (a root commit has nothing to cut). */
    void allowShallow(Set<ObjectId> heads) {
        shallowAllowed = Set.copyOf(heads);
        shallowExactly = false;
    }

    /** Whether the clone is cut only where the fetch may cut it. */
    boolean shallowIsAllowed() throws IOException {
        Set<ObjectId> shallow = getObjectDatabase().getShallowCommits();
        return shallowExactly ? shallow.equals(shallowAllowed) : shallowAllowed.containsAll(shallow);
    }

    /**
     * Whether the object store is empty: no pack, no loose object, nothing a fetch left half-written, and
     * no alternate store whose objects would count as here. Only {@code objects/info} may hold files: the
     * stores' own bookkeeping (such as {@code packs}), which names no object.
     */
    boolean holdsNoObjects() throws IOException {
        Path objects = getObjectDatabase().getDirectory().toPath();
        Path info = objects.resolve("info");
        if (Files.exists(info.resolve("alternates")) || Files.exists(info.resolve("http-alternates"))) {
            return false;
        }
        try (var files = Files.walk(objects)) {
            return files.noneMatch(file -> Files.isRegularFile(file) && !file.getParent().equals(info));
        }
    }

    /** Refuses a pack after shallow information that cuts history elsewhere: see the class comment. */
    private void refuseShallowHistory() throws IOException {
        if (!shallowIsAllowed()) {
            throw unsolicitedShallow();
        }
    }

    static FetchRefusedException unsolicitedShallow() {
        return new FetchRefusedException(FetchRefusedException.Reason.SHALLOW, "the remote sent shallow information that would cut"
                + " the history of the local clone where the agent did not ask for it; nothing of the fetch is kept");
    }

    private final class BoundedInserter extends ObjectInserter.Filter {

        private final ObjectInserter delegate;
        private final FetchTally tally;

        BoundedInserter(ObjectInserter delegate, FetchTally tally) {
            this.delegate = delegate;
            this.tally = tally;
        }

        @Override
        protected ObjectInserter delegate() {
            return delegate;
        }

        @Override
        public PackParser newPackParser(InputStream in) throws IOException {
            refuseShallowHistory();
            InputStream bounded = new BoundedPackStream(in, tally);
            HeldObjectLimit heldLimit = new HeldObjectLimit(bounds.maxObjectBytes());
            if (holdsNoObjects()) {
                return new FirstPackParser(getObjectDatabase(), bounded, Runtime.getRuntime().availableProcessors(), heldLimit);
            }
            try (ObjectReader clone = getObjectDatabase().newReader()) {
                return super.newPackParser(PackSpool.checked(bounded, getObjectDatabase().getPackDirectory().toPath(), clone, heldLimit));
            }
        }

        // Loose objects: a dumb-HTTP fetch stores each one it downloads through these.
        @Override
        public ObjectId insert(int type, byte[] data) throws IOException {
            return insert(type, data, 0, data.length);
        }

        @Override
        public ObjectId insert(int type, byte[] data, int off, int len) throws IOException {
            tally.objects(1);
            tally.bytes(len);
            return super.insert(type, data, off, len);
        }

        @Override
        public ObjectId insert(int type, long len, InputStream in) throws IOException {
            tally.objects(1);
            tally.bytes(len);
            return super.insert(type, len, in);
        }
    }
}
