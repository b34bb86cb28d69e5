package dev.gitopsagent.git;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
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
import org.eclipse.jgit.util.sha1.SHA1;
import org.eclipse.jgit.util.sha1.Sha1CollisionException;

/**
 * Names and checks every object of a received pack on all cores ({@link FirstPackParser}): while
 * {@link PackScan} reads the stream, the whole objects it hands on are hashed and checked on the pool's
 * threads; once the pack is in, every delta is resolved from the pack file, each base's deltas as tasks
 * of their own, so that the threads share the work however the pack's delta chains are shaped, and
 * depth first, so that only the bases along the chains being worked on are held.
 *
 * <p>Every object is hashed with JGit's SHA-1 with collision detection and checked by a checker of its
 * thread's own ({@link SharedChecks}), exactly as JGit's pack parser hashes and checks on its one thread.
 * The first failure stops the work; it is what {@link #resolveDeltas} or {@link #identified} throws.
 *
 * <p>Memory: whole objects waiting for a thread hold at most {@value #PENDING_BYTES} bytes (a bigger one
 * waits alone); a blob over {@link PackScan#HOLD_LIMIT} is hashed as it streams, as JGit does.
 */
final class ObjectResolver implements PackScan.Objects, AutoCloseable {

    private static final int PENDING_BYTES = 1 << 20;
    private static final int MAX_ARRAY = Integer.MAX_VALUE - 8;

    private final SharedChecks checks;
    private final long maxObjectSize;
    private final ForkJoinPool pool;
    private final ThreadLocal<Worker> workers = ThreadLocal.withInitial(this::newWorker);
    private final List<Worker> started = Collections.synchronizedList(new ArrayList<>());
    private final Semaphore room = new Semaphore(PENDING_BYTES);
    private final AtomicLong pending = new AtomicLong();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private ObjectIds identified;
    private PackEntries entries;
    private FileChannel pack;

    ObjectResolver(SharedChecks checks, int threads, long maxObjectSize) {
        this.checks = checks;
        this.maxObjectSize = maxObjectSize;
        AtomicInteger number = new AtomicInteger();
        this.pool = new ForkJoinPool(threads, pool -> {
            ForkJoinWorkerThread thread = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(pool);
            thread.setName("pack-resolver-" + number.incrementAndGet());
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
        int cost = Math.min(data.length + 64, PENDING_BYTES);
        room.acquireUninterruptibly(cost);
        submit(() -> {
            try {
                Worker worker = workers.get();
                identify(entry, type, data, worker.hash(type, data), worker);
            } finally {
                room.release(cost);
            }
        });
    }

    @Override
    public PackScan.Chunks bigBlob(int entry, long size) throws IOException {
        throwIfFailed();
        identified.makeRoomFor(entry);
        // Hashed on the scanning thread as it streams: it is too big to wait in memory for another.
        Worker worker = workers.get();
        SHA1 sha = worker.begin(Constants.OBJ_BLOB, size);
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
     * the whole objects too.
     */
    void resolveDeltas(PackEntries scanned, FileChannel packFile) throws IOException {
        awaitAll();
        this.entries = scanned;
        this.pack = packFile;
        entries.indexChildren();
        for (int entry = 0; entry < entries.count(); entry++) {
            identified.makeRoomFor(entry);
        }
        for (int entry = 0; entry < entries.count(); entry++) {
            if (!entries.isDelta(entry) && (entries.hasChildren(entry) || entries.hasRefDeltasOn(identified.id(entry)))) {
                int root = entry;
                submit(() -> resolveRoot(root));
            }
        }
        awaitAll();
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
        Worker worker = workers.get();
        byte[] data = worker.inflate(entry);
        children(entry, identified.id(entry), entries.kind(entry), data);
    }

    private void resolveDelta(int entry, int type, byte[] base) throws IOException {
        Worker worker = workers.get();
        byte[] delta = worker.inflate(entry);
        byte[] data = apply(entry, base, delta);
        ObjectId id = worker.hash(type, data);
        identify(entry, type, data, id, worker);
        children(entry, id, type, data);
    }

    /** Hands each delta on this object to the pool, with the object as its base; they run depth first. */
    private void children(int entry, ObjectId id, int type, byte[] data) {
        for (int at = entries.firstChild(entry); at < entries.childrenEnd(entry); at++) {
            int child = entries.child(at);
            submit(() -> resolveDelta(child, type, data));
        }
        for (int child : entries.refDeltasOn(id)) {
            submit(() -> resolveDelta(child, type, data));
        }
    }

    private byte[] apply(int entry, byte[] base, byte[] delta) throws CorruptPackException {
        long size;
        try {
            size = BinaryDelta.getResultSize(delta);
        } catch (RuntimeException e) {
            throw corruptDelta(entry, "its header is cut short");
        }
        if (size > MAX_ARRAY || (maxObjectSize > 0 && size > maxObjectSize)) {
            throw corruptDelta(entry, "it makes an object of " + size + " bytes, more than "
                    + (maxObjectSize > 0 ? "the limit of " + maxObjectSize : "an object can be held"));
        }
        try {
            return BinaryDelta.apply(base, delta);
        } catch (RuntimeException e) {
            // JGit's delta decoder refuses a wrong base length or result length, and an instruction that
            // copies from outside the base or the delta fails as it indexes: either way the delta is corrupt.
            throw corruptDelta(entry, "it does not apply to its base (" + e.getMessage() + ")");
        }
    }

    private void identify(int entry, int type, byte[] data, ObjectId id, Worker worker) throws IOException {
        try {
            worker.checker.check(id, type, data);
        } catch (CorruptObjectException | RuntimeException e) {
            throw BackgroundChecker.refusal(id, type, e);
        }
        identified.record(entry, type, id);
    }

    private interface Task {
        void run() throws IOException;
    }

    private void submit(Task task) {
        pending.incrementAndGet();
        pool.execute(() -> {
            try {
                if (failure.get() == null) {
                    task.run();
                }
            } catch (IOException | RuntimeException | Error e) {
                failure.compareAndSet(null, e);
            } finally {
                if (pending.decrementAndGet() == 0) {
                    synchronized (pending) {
                        pending.notifyAll();
                    }
                }
            }
        });
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

    private static ObjectId digest(SHA1 sha) throws CorruptPackException {
        try {
            return sha.toObjectId();
        } catch (Sha1CollisionException e) {
            throw new CorruptPackException("the pack holds an object crafted to collide in SHA-1: " + e.getMessage());
        }
    }

    private CorruptPackException corruptDelta(int entry, String why) {
        return new CorruptPackException("the delta at offset " + entries.start(entry) + " of the pack is malformed: " + why);
    }

    private Worker newWorker() {
        Worker worker = new Worker(checks.newChecker());
        started.add(worker);
        return worker;
    }

    /** What one thread hashes, inflates and checks with. */
    private final class Worker {

        private final SHA1 sha = SHA1.newInstance();
        private final Inflater inflater = new Inflater();
        private final ObjectChecker checker;
        private byte[] compressed = new byte[8192];

        Worker(ObjectChecker checker) {
            this.checker = checker;
        }

        SHA1 begin(int type, long size) {
            SHA1 digest = sha.reset();
            digest.update(Constants.encodedTypeString(type));
            digest.update((byte) ' ');
            digest.update(Constants.encodeASCII(size));
            digest.update((byte) 0);
            return digest;
        }

        ObjectId hash(int type, byte[] data) throws CorruptPackException {
            SHA1 digest = begin(type, data.length);
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
            if (compressed.length < length) {
                compressed = new byte[(int) Math.max(length, compressed.length * 2L)];
            }
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
