package dev.gitopsagent.git;

import java.io.File;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

import org.eclipse.jgit.internal.storage.file.ObjectDirectory;
import org.eclipse.jgit.lib.AnyObjectId;
import org.eclipse.jgit.lib.ObjectChecker;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ProgressMonitor;
import org.eclipse.jgit.transport.PackLock;
import org.eclipse.jgit.transport.PackParser;
import org.eclipse.jgit.transport.PackedObjectInfo;

/**
 * The pack parser for a fetch into an object store that holds nothing yet, a new host's first sync
 * ({@link BoundedRepository}): it indexes the pack on every core, where JGit's parser resolves deltas
 * on one. On a full first sync of a 50,000-commit history the parser was the critical path: SHA-1 with
 * collision detection over 681 MB of inflated trees and blobs, and the deltas that make them
 * (README.md, Benchmarks).
 *
 * <p>It does what JGit's parser does for such a store, in two passes ({@link PackScan}, then
 * {@link ObjectResolver}): every object inflated, hashed with collision detection and checked by the
 * fetch's checker; the pack written to {@code objects/pack} under a temporary name, its checksum
 * confirmed, then its index written (version 2, {@link PackIndexWriter}) and both renamed into place, index
 * last, so that the store only ever sees a complete pack. What it refuses besides (with a
 * {@link CorruptPackException} naming the offset and the reason): a delta whose base is not in the pack,
 * since nothing else is in the store (JGit would complete a thin pack from the store, which is empty);
 * and an object sent twice. An object it would have to hold whole over {@link HeldObjectLimit} is refused
 * ({@link FetchRefusedException}); JGit's parser has no limit of that kind (its object size limit holds
 * for streamed blobs too). There is nothing to compare a received object with, so JGit's collision
 * lookup against stored objects has no counterpart.
 *
 * <p>Only {@link #parse(ProgressMonitor, ProgressMonitor)} is JGit's protocol; the per-entry hooks of
 * JGit's own algorithm are never called, since that algorithm is replaced whole.
 */
final class FirstPackParser extends PackParser {

    private final ObjectDirectory db;
    private final InputStream in;
    private final int threads;
    private final HeldObjectLimit heldLimit;
    private ObjectChecker checker;
    private long maxObjectSize;

    FirstPackParser(ObjectDirectory db, InputStream in, int threads, HeldObjectLimit heldLimit) {
        super(db, in);
        this.db = db;
        this.in = in;
        this.threads = threads;
        this.heldLimit = heldLimit;
    }

    @Override
    public void setObjectChecker(ObjectChecker checker) {
        super.setObjectChecker(checker);
        this.checker = checker;
    }

    @Override
    public void setMaxObjectSizeLimit(long limit) {
        super.setMaxObjectSizeLimit(limit);
        this.maxObjectSize = limit;
    }

    /** A fetch's pack ends its stream: the scan reads ahead in blocks, so it cannot leave data after the pack for a caller. */
    @Override
    public void setExpectDataAfterPackFooter(boolean expect) {
        if (expect) {
            throw new UnsupportedOperationException("the parser of a first fetch reads the pack to the end of its stream");
        }
        super.setExpectDataAfterPackFooter(false);
    }

    @Override
    public PackLock parse(ProgressMonitor receiving, ProgressMonitor resolving) throws IOException {
        Path directory = db.getPackDirectory().toPath();
        Files.createDirectories(directory);
        // As JGit names and creates it (java.io's temporary file, so the umask's mode, not Files' owner-only one).
        Path incoming = File.createTempFile("incoming_", ".pack", directory.toFile()).toPath();
        Path index = directory.resolve(incoming.getFileName().toString().replace(".pack", ".idx"));
        try (ObjectResolver resolver = new ObjectResolver(SharedChecks.of(checker), threads, maxObjectSize, heldLimit)) {
            PackScan.Scanned scanned;
            try (FileOutputStream file = new FileOutputStream(incoming.toFile())) {
                scanned = PackScan.scan(in, file, resolver, maxObjectSize, heldLimit, isCheckEofAfterPackFooter());
                file.getChannel().force(true);
            }
            try (FileChannel pack = FileChannel.open(incoming, StandardOpenOption.READ)) {
                resolver.resolveDeltas(scanned.entries(), pack);
            }
            writeIndex(index, resolver.sortedForIndex(), scanned.checksum());
            return install(incoming, index, ObjectId.fromRaw(scanned.checksum()));
        } finally {
            Files.deleteIfExists(incoming);
            Files.deleteIfExists(index);
        }
    }

    private static void writeIndex(Path index, PackIndexWriter.Sorted sorted, byte[] checksum) throws IOException {
        try (FileOutputStream file = new FileOutputStream(index.toFile())) {
            PackIndexWriter.write(file, sorted, checksum);
            file.getChannel().force(true);
        }
    }

    /**
     * Renames the pack, then its index, into place (a pack without its index is invisible to JGit and to
     * git), with a keep file first when the fetch asked for a lock, and opens the pack in the store.
     */
    private PackLock install(Path incoming, Path index, ObjectId name) throws IOException {
        Path directory = incoming.getParent();
        Path pack = directory.resolve("pack-" + name.name() + ".pack");
        Path finalIndex = directory.resolve("pack-" + name.name() + ".idx");
        Path keep = directory.resolve("pack-" + name.name() + ".keep");
        if (getLockMessage() != null) {
            Files.writeString(keep, getLockMessage() + "\n");
        }
        try {
            move(incoming, pack);
            move(index, finalIndex);
        } catch (IOException e) {
            Files.deleteIfExists(pack);
            Files.deleteIfExists(keep);
            throw e;
        }
        pack.toFile().setReadOnly();
        finalIndex.toFile().setReadOnly();
        db.openPack(pack.toFile());
        return getLockMessage() == null ? null : () -> Files.deleteIfExists(keep);
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            // Same directory, so only a file system without atomic renames gets here.
            Files.move(from, to);
        }
    }

    // JGit's per-entry hooks: never called, since parse() above replaces the algorithm that calls them.

    @Override
    protected void onStoreStream(byte[] raw, int pos, int len) {
        throw notJGitsAlgorithm();
    }

    @Override
    protected void onObjectHeader(Source src, byte[] raw, int pos, int len) {
        throw notJGitsAlgorithm();
    }

    @Override
    protected void onObjectData(Source src, byte[] raw, int pos, int len) {
        throw notJGitsAlgorithm();
    }

    @Override
    protected void onInflatedObjectData(PackedObjectInfo obj, int typeCode, byte[] data) {
        throw notJGitsAlgorithm();
    }

    @Override
    protected void onPackHeader(long objCnt) {
        throw notJGitsAlgorithm();
    }

    @Override
    protected void onPackFooter(byte[] hash) {
        throw notJGitsAlgorithm();
    }

    @Override
    protected boolean onAppendBase(int typeCode, byte[] data, PackedObjectInfo info) {
        throw notJGitsAlgorithm();
    }

    @Override
    protected void onEndThinPack() {
        throw notJGitsAlgorithm();
    }

    @Override
    protected ObjectTypeAndSize seekDatabase(PackedObjectInfo obj, ObjectTypeAndSize info) {
        throw notJGitsAlgorithm();
    }

    @Override
    protected ObjectTypeAndSize seekDatabase(UnresolvedDelta delta, ObjectTypeAndSize info) {
        throw notJGitsAlgorithm();
    }

    @Override
    protected int readDatabase(byte[] dst, int pos, int cnt) {
        throw notJGitsAlgorithm();
    }

    @Override
    protected boolean checkCRC(int oldCRC) {
        throw notJGitsAlgorithm();
    }

    @Override
    protected void onBeginWholeObject(long streamPosition, int type, long inflatedSize) {
        throw notJGitsAlgorithm();
    }

    @Override
    protected void onEndWholeObject(PackedObjectInfo info) {
        throw notJGitsAlgorithm();
    }

    @Override
    protected void onBeginOfsDelta(long deltaStreamPosition, long baseStreamPosition, long inflatedSize) {
        throw notJGitsAlgorithm();
    }

    @Override
    protected void onBeginRefDelta(long deltaStreamPosition, AnyObjectId baseId, long inflatedSize) {
        throw notJGitsAlgorithm();
    }

    private static UnsupportedOperationException notJGitsAlgorithm() {
        return new UnsupportedOperationException("FirstPackParser replaces JGit's parsing algorithm; its hooks are never called");
    }
}
