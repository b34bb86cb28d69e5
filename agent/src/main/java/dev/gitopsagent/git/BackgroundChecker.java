package dev.gitopsagent.git;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Semaphore;

import org.eclipse.jgit.errors.CorruptObjectException;
import org.eclipse.jgit.lib.AnyObjectId;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectChecker;
import org.eclipse.jgit.lib.ObjectId;

/**
 * Runs another object checker on a thread of its own, so that a first fetch checks what it receives
 * on the second core while JGit's pack parser inflates, resolves deltas and hashes on the first: on a
 * 50,000-commit history, hashing (SHA-1 with collision detection) is about half of a first sync's work,
 * and checking trees and noting their links about a third (README.md, Benchmarks).
 *
 * <p>Every object is still checked, by the same checker and in the order received. What changes is when
 * a malformed object is reported: by {@link #finish()}, or by the first {@link #check} after the checker
 * found it (which stops the parser early), instead of by the check of that object itself. So the caller
 * must call {@link #finish()} once the pack is in, and create nothing from the fetch unless it returns.
 *
 * <p>Memory stays bounded: objects wait for the checker in batches, and the batches waiting hold at most
 * {@value #PENDING_BYTES} bytes of object data (an object bigger than that waits alone). The parser has
 * allocated each object anyway; waiting only keeps it alive a little longer.
 */
final class BackgroundChecker extends ObjectChecker implements SharedChecks, AutoCloseable {

    private static final int PENDING_BYTES = 1 << 20;
    /** Big enough that a batch costs one hand-over for dozens of trees, small enough that the checker starts early. */
    private static final int BATCH_BYTES = 64 << 10;
    private static final int BATCH_OBJECTS = 512;
    /** Each waiting object also holds its id and a list slot: counted so that a flood of tiny objects is bounded too. */
    private static final int OBJECT_OVERHEAD = 64;
    private static final Batch END = new Batch(List.of(), 0);

    private record Received(ObjectId id, int type, byte[] raw) {
    }

    private record Batch(List<Received> objects, int cost) {
    }

    private final ObjectChecker checker;
    private final Semaphore room = new Semaphore(PENDING_BYTES);
    private final BlockingQueue<Batch> queue = new ArrayBlockingQueue<>(PENDING_BYTES / BATCH_BYTES + 1);
    private List<Received> batch = new ArrayList<>();
    private int batchCost;
    private Thread thread;
    /**
     * The first object the checker refused (a {@link CorruptObjectException}), or an error that stopped it
     * (out of memory): checking stops there, but batches are still taken, so the parser never waits forever.
     */
    private volatile Throwable failure;
    /** Set when the fetch failed for another reason: what is still queued need not be checked. */
    private volatile boolean abandoned;

    BackgroundChecker(ObjectChecker checker) {
        this.checker = checker;
    }

    @Override
    public void check(AnyObjectId id, int type, byte[] raw) throws CorruptObjectException {
        throwIfFailed();
        // The parser hands over a mutable id it reuses for the next object; the data array is never written again.
        batch.add(new Received(id.copy(), type, raw));
        batchCost += Math.min(raw.length + OBJECT_OVERHEAD, PENDING_BYTES);
        if (batchCost >= BATCH_BYTES || batch.size() >= BATCH_OBJECTS) {
            handOver();
        }
    }

    /**
     * A checker for one thread of a parallel parser ({@link FirstPackParser}), which checks on all cores
     * itself: the wrapped checker's own per-thread checker, and no background thread.
     */
    @Override
    public ObjectChecker newChecker() {
        return SharedChecks.of(checker).newChecker();
    }

    /**
     * Waits until every object handed to {@link #check} has been checked.
     *
     * @throws CorruptObjectException naming the first malformed object and why it is malformed
     */
    void finish() throws CorruptObjectException {
        if (!batch.isEmpty()) {
            handOver();
        }
        stop();
        throwIfFailed();
    }

    /** The first malformed object found so far, if any (after a failed fetch: whether this is why it failed). */
    Optional<CorruptObjectException> failure() {
        return failure instanceof CorruptObjectException refused ? Optional.of(refused) : Optional.empty();
    }

    /** Stops the checking thread without waiting for what is still queued to be checked (after a failed fetch). */
    @Override
    public void close() {
        abandoned = true;
        stop();
    }

    private void handOver() {
        int cost = Math.min(batchCost, PENDING_BYTES);
        room.acquireUninterruptibly(cost);
        if (thread == null) {
            // Started with the first batch, so that everything the checker was given before (links required) is visible to it.
            thread = new Thread(this::checkBatches, "first-fetch-checker");
            thread.setDaemon(true);
            thread.start();
        }
        putUninterruptibly(new Batch(batch, cost));
        batch = new ArrayList<>();
        batchCost = 0;
    }

    private void stop() {
        if (thread == null) {
            return;
        }
        putUninterruptibly(END);
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        thread = null;
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void checkBatches() {
        while (true) {
            Batch next = takeUninterruptibly();
            if (next == END) {
                return;
            }
            try {
                for (Received object : next.objects()) {
                    if (failure != null || abandoned) {
                        break;
                    }
                    checkOne(object);
                }
            } finally {
                room.release(next.cost());
            }
        }
    }

    private void checkOne(Received object) {
        try {
            checker.check(object.id(), object.type(), object.raw());
        } catch (CorruptObjectException | RuntimeException e) {
            failure = refusal(object.id(), object.type(), e);
        } catch (Error e) {
            // Not the object's fault: passed on as it is, as if the checker had run on the parser's thread.
            failure = e;
        }
    }

    /** An object the checker refused, named as JGit names one its pack parser refuses, with the reason the checker gave. */
    static CorruptObjectException refusal(AnyObjectId id, int type, Exception reason) {
        CorruptObjectException refused = new CorruptObjectException("Invalid " + Constants.typeString(type) + " " + id.name() + ": "
                + reason.getMessage());
        refused.initCause(reason);
        return refused;
    }

    private void throwIfFailed() throws CorruptObjectException {
        Throwable found = failure;
        if (found instanceof CorruptObjectException refused) {
            throw refused;
        }
        if (found instanceof Error error) {
            throw error;
        }
    }

    private void putUninterruptibly(Batch next) {
        boolean interrupted = false;
        while (true) {
            try {
                queue.put(next);
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private Batch takeUninterruptibly() {
        while (true) {
            try {
                return queue.take();
            } catch (InterruptedException e) {
                // Nothing interrupts this thread but the JVM's own shutdown; the parser waits for it to take the batches.
            }
        }
    }
}
