package dev.gitopsagent.git;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

import org.eclipse.jgit.errors.CorruptObjectException;
import org.eclipse.jgit.internal.storage.pack.BinaryDelta;
import org.eclipse.jgit.lib.BlobObjectChecker;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectChecker;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.util.sha1.Sha1CollisionException;

/**
 * Names and checks every object of a received pack on all cores ({@link FirstPackParser}): while
 * {@link PackScan} reads the stream, the whole objects it hands on are hashed and checked on the pool's
 * threads, and so is each offset delta whose base was resolved lately, while there is room for it
 * ({@link #delta}): git writes a delta soon after its base, so part of the work is done while the pack
 * is still arriving, on a core that would otherwise wait for it. Once the pack is in, what is left is
 * resolved from the pack file, each base's deltas as tasks of their own, so that the threads share the
 * work however the pack's delta chains are shaped, and depth first, so that only the bases along the
 * chains being worked on are held.
 *
 * <p>Every object is hashed with SHA-1 with collision detection ({@link CollisionDetectingSha1}, JGit's
 * detection) and checked by a checker of its thread's own ({@link SharedChecks}), as JGit's pack parser
 * hashes and checks on its one thread.
 * The first failure stops the work; it is what {@link #resolveDeltas} or {@link #identified} throws.
 *
 * <p>Memory: whole objects waiting for a thread hold at most {@value #PENDING_BYTES} bytes (a bigger one
 * waits alone); a blob over {@link PackScan#HOLD_LIMIT} is hashed as it streams, as JGit does. What a
 * delta makes, and a streamed blob with deltas on it, are refused over {@link HeldObjectLimit} before they
 * are held. Once the pack is in, the threads together hold at most {@link HeldObjectLimit#AT_ONCE} objects
 * at the limit ({@link #resolveDeltas}).
 */
final class ObjectResolver implements PackScan.Objects, AutoCloseable {

    private static final int PENDING_BYTES = 1 << 20;
    /**
     * How much of the objects resolved lately is kept for the deltas that follow them in the stream (the
     * latest one is kept whatever its size). Git writes a delta right after its base more often than not:
     * on the 50,000-commit benchmark's pack, 32 KiB would let 98.9 % of the bytes be resolved as they
     * arrive, 1 MiB 99.1 %. Kept small, what is held dies young: 2 MiB outgrew the young generation of
     * the recommended 64 MiB heap and about tripled the collector's time.
     */
    static final int RECENT_BYTES = 256 << 10;
    /**
     * How much the deltas being resolved as the stream arrives may hold: each its own data, what it makes,
     * and its base, which it keeps from being collected even once the base has left the recent objects.
     */
    private static final int EARLY_BYTES = 1 << 20;
    /**
     * What holding an object is counted for besides its data (array header, map entry, future, record), in the
     * room of whole objects and of early deltas and in the recent objects, so that empty ones are never free.
     */
    private static final int OBJECT_OVERHEAD = 64;
    private static final int MAX_ARRAY = Integer.MAX_VALUE - 8;
    /** The compressed data a thread keeps a buffer for; a longer entry's is read into an array of its own. */
    private static final int KEPT_COMPRESSED = 64 << 10;

    private final SharedChecks checks;
    private final long maxObjectSize;
    private final HeldObjectLimit heldLimit;
    private final int threads;
    private final AtomicInteger threadNumber = new AtomicInteger();
    /** The threads: one per core while the pack streams in; for its deltas, as many as the held limit allows ({@link #resolveDeltas}). */
    private ForkJoinPool pool;
    private final ThreadLocal<Worker> workers = ThreadLocal.withInitial(this::newWorker);
    private final List<Worker> started = Collections.synchronizedList(new ArrayList<>());
    private final Semaphore room = new Semaphore(PENDING_BYTES);
    private final Semaphore earlyRoom = new Semaphore(EARLY_BYTES);
    private final AtomicLong pending = new AtomicLong();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    /** Objects resolved lately (or being resolved), by entry, least recently used first; only the scanning thread touches it. */
    private final LinkedHashMap<Integer, Recent> recent = new LinkedHashMap<>(256, 0.75f, true);
    private long recentBytes;
    private ObjectIds identified;
    private PackEntries entries;
    private FileChannel pack;
    /** What each delta makes, as its header declares, by entry; 0 for a whole object. */
    private int[] resultSizes = new int[0];
    /** Once the pack is in: the deltas to be resolved after the others on their base ({@link HeldAtOnce}). */
    private BitSet lastOnItsBase;
    /** Once the pack is in: whether the entry, or a delta built on it, is still to be resolved. */
    private boolean[] unresolvedBelow;

    /** An object at hand for the deltas on it: its type and data once resolved, or null if it could not be. */
    private record Resolved(int type, byte[] data) {
    }

    private record Recent(CompletableFuture<Resolved> resolved, long bytes) {
    }

    ObjectResolver(SharedChecks checks, int threads, long maxObjectSize, HeldObjectLimit heldLimit) {
        this.checks = checks;
        this.maxObjectSize = maxObjectSize;
        this.heldLimit = heldLimit;
        this.threads = threads;
        this.pool = newPool(threads);
    }

    private ForkJoinPool newPool(int parallelism) {
        // Numbered on from the threads of a pool before, so that every thread of one parse has a name of its own.
        return new ForkJoinPool(parallelism, forkJoin -> {
            ForkJoinWorkerThread thread = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(forkJoin);
            thread.setName("pack-resolver-" + threadNumber.incrementAndGet());
            return thread;
        }, null, false);
    }

    @Override
    public void expect(int count) {
        identified = new ObjectIds(count);
    }

    @Override
    public void whole(int entry, int type, byte[] data) throws IOException {
        throwIfFailed();
        identified.makeRoomFor(entry);
        int cost = Math.min(data.length + OBJECT_OVERHEAD, PENDING_BYTES);
        room.acquireUninterruptibly(cost);
        // The room is given back even when the task is skipped after a failure, or a scan waiting for room would wait forever.
        submit(() -> identify(entry, type, data, workers.get()), () -> room.release(cost));
        remember(entry, CompletableFuture.completedFuture(new Resolved(type, data)), data.length);
    }

    /**
     * Resolves the delta as soon as its base is, if the base was resolved lately (or is being resolved);
     * otherwise it is left for {@link #resolveDeltas}. Either way it is hashed and checked exactly as there.
     */
    @Override
    public void delta(int entry, long start, int base, byte[] delta) throws IOException {
        throwIfFailed();
        Recent onto = recent.get(base);
        if (onto == null) {
            return;
        }
        long size = resultSize(start, delta);
        int cost = (int) Math.min(delta.length + size + onto.bytes() + OBJECT_OVERHEAD, EARLY_BYTES);
        if (!earlyRoom.tryAcquire(cost)) {
            // The threads are behind: the scan does not wait for them, and this delta is resolved later.
            return;
        }
        identified.makeRoomFor(entry);
        CompletableFuture<Resolved> result = new CompletableFuture<>();
        // Counted now, not when the base is done, so that awaitAll cannot find nothing pending in between.
        pending.incrementAndGet();
        onto.resolved().whenComplete((resolvedBase, never) -> pool.execute(counted(() -> {
            try {
                if (resolvedBase != null && failure.get() == null) {
                    byte[] data = apply(start, resolvedBase.data(), delta);
                    Worker worker = workers.get();
                    identify(entry, resolvedBase.type(), data, worker);
                    result.complete(new Resolved(resolvedBase.type(), data));
                }
            } finally {
                // Whatever happened, the deltas waiting on this one must run (and find it unresolved).
                result.complete(null);
                earlyRoom.release(cost);
            }
        })));
        remember(entry, result, size);
    }

    private void remember(int entry, CompletableFuture<Resolved> resolved, long bytes) {
        recent.put(entry, new Recent(resolved, bytes));
        recentBytes += bytes + OBJECT_OVERHEAD;
        Iterator<Recent> eldest = recent.values().iterator();
        while (recentBytes > RECENT_BYTES && recent.size() > 1) {
            recentBytes -= eldest.next().bytes() + OBJECT_OVERHEAD;
            eldest.remove();
        }
    }

    @Override
    public void deltaSizes(int entry, long baseSize, long resultSize) {
        if (entry >= resultSizes.length) {
            resultSizes = Arrays.copyOf(resultSizes, Math.max(entry + 1, resultSizes.length * 2));
        }
        // Over an int only under a limit set above 2 GiB, where such a delta is refused as it is resolved (MAX_ARRAY).
        resultSizes[entry] = (int) Math.min(resultSize, Integer.MAX_VALUE);
    }

    @Override
    public PackScan.Chunks bigBlob(int entry, long size) throws IOException {
        throwIfFailed();
        identified.makeRoomFor(entry);
        // Hashed on the scanning thread as it streams: it is too big to wait in memory for another.
        Worker worker = workers.get();
        CollisionDetectingSha1 sha = worker.begin(Constants.OBJ_BLOB, size);
        BlobObjectChecker blobChecker = worker.checker.newBlobObjectChecker();
        return new PackScan.Chunks() {
            @Override
            public void update(byte[] data, int offset, int length) {
                sha.update(data, offset, length);
                if (blobChecker != null) {
                    blobChecker.update(data, offset, length);
                }
            }

            @Override
            public void end() throws IOException {
                ObjectId id = digest(sha);
                if (blobChecker != null) {
                    try {
                        blobChecker.endBlob(id);
                    } catch (CorruptObjectException e) {
                        throw BackgroundChecker.refusal(id, Constants.OBJ_BLOB, e);
                    }
                }
                identified.record(entry, Constants.OBJ_BLOB, id);
            }
        };
    }

    /**
     * Resolves every delta of the scanned pack, now all in {@code packFile}, and waits for all of it,
     * the whole objects too. Each thread resolves depth first, so it holds at most what {@link HeldAtOnce}
     * finds; the pack is refused if that is more than {@link HeldObjectLimit#AT_ONCE} objects at the limit,
     * and fewer threads than cores resolve it if the threads together would hold more.
     */
    void resolveDeltas(PackEntries scanned, FileChannel packFile) throws IOException {
        awaitAll();
        recent.clear();
        this.entries = scanned;
        this.pack = packFile;
        entries.indexChildren();
        int[] sizes = resultSizes;
        HeldAtOnce peak = HeldAtOnce.of(entries, entry -> entry < sizes.length ? sizes[entry] : 0, entries.refDeltasByBase(), Map.of(),
                heldLimit, HeldAtOnce.Order.HEAVIEST_LAST);
        resultSizes = null;
        lastOnItsBase = peak.last();
        heldLimit.refuseOver(peak);
        int resolving = heldLimit.threadsFor(peak.bytes(), threads);
        if (resolving < threads) {
            pool.shutdown();
            pool = newPool(resolving);
        }
        for (int entry = 0; entry < entries.count(); entry++) {
            identified.makeRoomFor(entry);
        }
        unresolvedBelow = unresolvedBelow();
        for (int entry = 0; entry < entries.count(); entry++) {
            if (!entries.isDelta(entry) && unresolvedBelow[entry]) {
                int root = entry;
                submit(() -> resolveRoot(root));
            }
        }
        awaitAll();
    }

    /**
     * For each entry, whether it or any delta built on it is still to be resolved, so that the walk from
     * the whole objects skips what the stream's pass resolved. An offset delta's base comes before it,
     * so one pass from the last entry back carries the answer down every chain; a base of reference
     * deltas counts as unresolved below, as its deltas are found by id only as the walk reaches it.
     */
    private boolean[] unresolvedBelow() {
        boolean[] below = new boolean[entries.count()];
        boolean refDeltas = entries.hasRefDeltas();
        for (int entry = entries.count() - 1; entry >= 0; entry--) {
            if (!identified.isResolved(entry) || (refDeltas && entries.hasRefDeltasOn(identified.id(entry)))) {
                below[entry] = true;
            }
            int base = entries.base(entry);
            if (below[entry] && base != PackEntries.NO_BASE) {
                below[base] = true;
            }
        }
        return below;
    }

    /**
     * Every object of the pack with its id, offset and CRC-32, sorted by id for the index: all of them
     * resolved and none twice, or why not.
     */
    PackIndexWriter.Sorted sortedForIndex() throws IOException {
        throwIfFailed();
        for (int entry = 0; entry < entries.count(); entry++) {
            if (!identified.isResolved(entry)) {
                throw new CorruptPackException("the delta at offset " + entries.start(entry) + " of the pack cannot be resolved: "
                        + entries.missingBase(entry));
            }
        }
        return identified.sortedForIndex(entries);
    }

    /**
     * Stops the threads; after a failure, without waiting for what is still queued. Called on the thread
     * that scanned, whose own worker (if a big blob made one) must not outlive the parse: the thread is
     * the agent's, and the worker's checker holds the links table.
     */
    @Override
    public void close() {
        workers.remove();
        failure.compareAndSet(null, new IllegalStateException("closed"));
        pool.shutdownNow();
        try {
            pool.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (started) {
            started.forEach(worker -> worker.inflater.end());
        }
    }

    private void resolveRoot(int entry) throws IOException {
        long size = entries.size(entry);
        // Only a whole blob can be over the limit here (the scan refused other objects, and streamed the blob), under
        // deltas that misstate their base's size: the scan refused those that state it (PackScan.DeltaHeader).
        if (heldLimit.exceededBy(size)) {
            throw heldLimit.refusalOfBase(entries.kind(entry), size, entries.start(entry));
        }
        Worker worker = workers.get();
        byte[] data = worker.inflate(entry);
        children(entry, identified.id(entry), entries.kind(entry), data);
    }

    private void resolveDelta(int entry, int type, byte[] base) throws IOException {
        Worker worker = workers.get();
        byte[] delta = worker.inflate(entry);
        byte[] data = apply(entries.start(entry), base, delta);
        ObjectId id;
        if (identified.isResolved(entry)) {
            // Resolved as the stream arrived; applied again only for the deltas below it that were not.
            id = identified.id(entry);
        } else {
            id = identify(entry, type, data, worker);
        }
        children(entry, id, type, data);
    }

    /**
     * Hands each delta on this object that is still to be resolved (or leads to one) to the pool, with the object as its
     * base; they run depth first. A thread runs the tasks it hands on last in, first out, so the one handed on first is
     * resolved last, and the object is no longer held while the deltas below that one are.
     */
    private void children(int entry, ObjectId id, int type, byte[] data) {
        for (boolean last : new boolean[] {true, false}) {
            for (int at = entries.firstChild(entry); at < entries.childrenEnd(entry); at++) {
                int child = entries.child(at);
                if (unresolvedBelow[child] && lastOnItsBase.get(child) == last) {
                    submit(() -> resolveDelta(child, type, data));
                }
            }
        }
        for (int child : entries.refDeltasOn(id)) {
            submit(() -> resolveDelta(child, type, data));
        }
    }

    /** The delta (of the entry at {@code start}) applied to its base. */
    private byte[] apply(long start, byte[] base, byte[] delta) throws IOException {
        long size = resultSize(start, delta);
        // JGit's decoder allocates the declared result before it reads an instruction: count what they make first.
        long made = madeSize(delta);
        if (made != size) {
            throw corruptDelta(start, "it does not apply to its base (its instructions "
                    + (made < 0 ? "are malformed" : "make " + made + " bytes") + ", not the " + size + " it declares)");
        }
        // Within the held limit: the scan refused any delta whose header declares more (PackScan.DeltaHeader).
        try {
            return BinaryDelta.apply(base, delta);
        } catch (RuntimeException e) {
            // JGit's delta decoder refuses a wrong base length or result length, and an instruction that
            // copies from outside the base or the delta fails as it indexes: either way the delta is corrupt.
            throw corruptDelta(start, "it does not apply to its base (" + e.getMessage() + ")");
        }
    }

    /**
     * How many bytes the delta's instructions make, counted without making them (git's encoding, as
     * {@link BinaryDelta#apply} reads it); -1 if an instruction is cut short or is the reserved command 0.
     */
    private static long madeSize(byte[] delta) {
        int at = 0;
        for (int header = 0; header < 2; header++) {
            while (at < delta.length && (delta[at++] & 0x80) != 0) {
                // the base's size, then the result's
            }
        }
        long made = 0;
        while (at < delta.length) {
            int command = delta[at++] & 0xff;
            if ((command & 0x80) != 0) {
                at += Integer.bitCount(command & 0x0f);
                int size = 0;
                for (int i = 0; i < 3; i++) {
                    if ((command & (0x10 << i)) != 0) {
                        if (at >= delta.length) {
                            return -1;
                        }
                        size |= (delta[at++] & 0xff) << (8 * i);
                    }
                }
                if (at > delta.length) {
                    return -1;
                }
                made += size == 0 ? 0x10000 : size;
            } else if (command != 0) {
                at += command;
                if (at > delta.length) {
                    return -1;
                }
                made += command;
            } else {
                return -1;
            }
        }
        return made;
    }

    /** The size of the object the delta (of the entry at {@code start}) makes, if it may be made. */
    private long resultSize(long start, byte[] delta) throws CorruptPackException {
        long size;
        try {
            size = BinaryDelta.getResultSize(delta);
        } catch (RuntimeException e) {
            throw corruptDelta(start, "its header is cut short");
        }
        if (size > MAX_ARRAY || (maxObjectSize > 0 && size > maxObjectSize)) {
            throw corruptDelta(start, "it makes an object of " + size + " bytes, more than "
                    + (maxObjectSize > 0 ? "the limit of " + maxObjectSize : "an object can be held"));
        }
        return size;
    }

    /** Hashes and checks the object, and records its id for the entry. */
    private ObjectId identify(int entry, int type, byte[] data, Worker worker) throws IOException {
        ObjectId id = worker.hash(type, data);
        try {
            worker.checker.check(id, type, data);
        } catch (CorruptObjectException | RuntimeException e) {
            throw BackgroundChecker.refusal(id, type, e);
        }
        identified.record(entry, type, id);
        return id;
    }

    private interface Task {
        void run() throws IOException;
    }

    /** Runs the task on the pool, unless something has already failed. */
    private void submit(Task task) {
        submit(task, () -> {
        });
    }

    /** As {@link #submit(Task)}, and {@code always} runs after the task, or in its place once something has failed. */
    private void submit(Task task, Runnable always) {
        pending.incrementAndGet();
        pool.execute(counted(() -> {
            try {
                if (failure.get() == null) {
                    task.run();
                }
            } finally {
                always.run();
            }
        }));
    }

    /** The task, as a run of the pool that notes its failure and counts itself done (it was counted pending before). */
    private Runnable counted(Task task) {
        return () -> {
            try {
                task.run();
            } catch (IOException | RuntimeException | Error e) {
                failure.compareAndSet(null, e);
            } finally {
                if (pending.decrementAndGet() == 0) {
                    synchronized (pending) {
                        pending.notifyAll();
                    }
                }
            }
        };
    }

    /** Waits until every task handed to the pool has run (the counter's last decrement publishes what they wrote). */
    private void awaitAll() throws IOException {
        boolean interrupted = false;
        synchronized (pending) {
            while (pending.get() > 0) {
                try {
                    pending.wait();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        throwIfFailed();
    }

    private void throwIfFailed() throws IOException {
        Throwable found = failure.get();
        if (found instanceof IOException e) {
            throw e;
        }
        if (found instanceof RuntimeException e) {
            throw e;
        }
        if (found instanceof Error e) {
            throw e;
        }
    }

    /**
     * Starts {@code sha} on an object: git hashes its type and size before its data. The size's digits go
     * straight in: JGit's {@code encodeASCII} makes a string, a buffer and an encoder for each, about
     * 50 MB of garbage over a 280,000-object first sync in a 64 MiB heap.
     */
    static CollisionDetectingSha1 beginObject(CollisionDetectingSha1 sha, int type, long size) {
        sha.update(Constants.encodedTypeString(type));
        sha.update((byte) ' ');
        long unit = 1;
        while (unit <= size / 10) {
            unit *= 10;
        }
        for (; unit > 0; unit /= 10) {
            sha.update((byte) ('0' + size / unit % 10));
        }
        sha.update((byte) 0);
        return sha;
    }

    /** The id an object's hash makes, unless the object was crafted to collide (which collision detection sees). */
    static ObjectId digest(CollisionDetectingSha1 sha) throws CorruptPackException {
        try {
            return sha.digest();
        } catch (Sha1CollisionException e) {
            throw new CorruptPackException("the pack holds an object crafted to collide in SHA-1: " + e.getMessage());
        }
    }

    private static CorruptPackException corruptDelta(long start, String why) {
        return new CorruptPackException("the delta at offset " + start + " of the pack is malformed: " + why);
    }

    private Worker newWorker() {
        Worker worker = new Worker(checks.newChecker());
        started.add(worker);
        return worker;
    }

    /** What one thread hashes, inflates and checks with. */
    private final class Worker {

        private final CollisionDetectingSha1 sha = new CollisionDetectingSha1();
        private final Inflater inflater = new Inflater();
        private final ObjectChecker checker;
        private final byte[] compressed = new byte[KEPT_COMPRESSED];

        Worker(ObjectChecker checker) {
            this.checker = checker;
        }

        CollisionDetectingSha1 begin(int type, long size) {
            return beginObject(sha.reset(), type, size);
        }

        ObjectId hash(int type, byte[] data) throws CorruptPackException {
            CollisionDetectingSha1 digest = begin(type, data.length);
            digest.update(data);
            return digest(digest);
        }

        /** The entry's data, inflated from the pack file (the scan has confirmed that it inflates to its declared size). */
        byte[] inflate(int entry) throws IOException {
            long length = entries.dataLength(entry);
            long size = entries.size(entry);
            if (length > MAX_ARRAY || size > MAX_ARRAY) {
                throw new CorruptPackException("the object at offset " + entries.start(entry) + " of the pack is " + size
                        + " bytes, more than can be held to resolve its deltas");
            }
            // A big entry's compressed data is read into an array of its own, which is not kept, so that what a thread
            // holds between entries stays small: HeldAtOnce counts what it holds while it resolves one.
            byte[] compressed = length <= KEPT_COMPRESSED ? this.compressed : new byte[(int) length];
            ByteBuffer into = ByteBuffer.wrap(compressed, 0, (int) length);
            long at = entries.dataStart(entry);
            while (into.hasRemaining()) {
                if (pack.read(into, at + into.position()) < 0) {
                    throw new IOException("the pack file ends before the object at offset " + entries.start(entry));
                }
            }
            byte[] data = new byte[(int) size];
            inflater.reset();
            inflater.setInput(compressed, 0, (int) length);
            int filled = 0;
            try {
                while (filled < data.length) {
                    int n = inflater.inflate(data, filled, data.length - filled);
                    if (n == 0 && (inflater.finished() || inflater.needsInput() || inflater.needsDictionary())) {
                        throw new IOException("the object at offset " + entries.start(entry) + " changed in the pack file since it was read");
                    }
                    filled += n;
                }
            } catch (DataFormatException e) {
                throw new IOException("the object at offset " + entries.start(entry) + " changed in the pack file since it was read", e);
            }
            return data;
        }
    }
}
