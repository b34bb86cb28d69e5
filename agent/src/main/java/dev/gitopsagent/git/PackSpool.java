package dev.gitopsagent.git;

import java.io.File;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectReader;

/**
 * The pack of a fetch into a clone that already holds objects, which JGit's parser indexes: read to its end
 * into a file beside the clone's packs and scanned ({@link PackScan}) before JGit's parser reads a byte of it.
 *
 * <p>JGit's parser has no limit of the {@link HeldObjectLimit} kind: it reserves a commit's, tree's or tag's
 * declared size as it reads the object's header, a delta's declared result as it resolves it, and it loads a
 * delta's base whole, from the pack or from the clone, whatever size the delta says its base has. So a pack of
 * a few hundred bytes can make it ask for a gibibyte. Its own object size limit would refuse whole blobs too,
 * which it streams. The scan refuses what the first fetch's parser refuses: every entry that is held whole is
 * bounded as it inflates, every delta by the sizes its header declares, and a delta on a blob over the limit,
 * in the pack or in the clone, whatever its header says. What is malformed is refused too.
 *
 * <p>Objects within the limit can still add up: JGit resolves the deltas on each base depth first, and keeps a
 * base while deltas on it wait. So the scan also follows that walk over the pack's deltas and refuses a pack
 * that would make it hold more than {@link HeldObjectLimit#AT_ONCE} objects at the limit at once.
 *
 * <p>A later fetch brings what changed since the last one, usually a few kilobytes; the scan inflates it once
 * more and writes it once more to disk. The file is named like JGit's half-written packs
 * ({@code incoming_*}), so what a stopped run leaves is removed when the clone is next opened.
 */
final class PackSpool {

    private PackSpool() {
    }

    /**
     * Reads the pack from {@code pack} (the fetch's bounded stream) into a file in {@code packDirectory}, scans it,
     * and returns the pack to be parsed; refused (and the file removed) if parsing it would hold too much, or if it
     * is malformed. {@code clone} reads the objects the clone holds already.
     */
    static InputStream checked(InputStream pack, Path packDirectory, ObjectReader clone, HeldObjectLimit limit) throws IOException {
        Files.createDirectories(packDirectory);
        Path spool = File.createTempFile("incoming_", ".scan", packDirectory.toFile()).toPath();
        try {
            Seen seen = new Seen(limit);
            PackScan.Scanned scanned;
            try (FileOutputStream file = new FileOutputStream(spool.toFile())) {
                scanned = PackScan.scan(pack, file, seen, 0, limit, false);
            }
            PackEntries entries = scanned.entries();
            Map<ObjectId, List<Integer>> refDeltas = entries.refDeltasByBase();
            Map<ObjectId, Long> storedBases = refuseReferenceDeltasOnBigBlobs(entries, refDeltas, seen, clone, limit);
            refuseWhatJGitWouldHoldAtOnce(entries, refDeltas, storedBases, seen, limit);
            InputStream checked = Files.newInputStream(spool);
            // The open stream keeps the data readable; nothing is left behind once the parser is done with it.
            Files.delete(spool);
            return checked;
        } catch (IOException | RuntimeException | OutOfMemoryError e) {
            Files.deleteIfExists(spool);
            throw e;
        }
    }

    /**
     * A whole blob over the limit streams, but JGit's parser loads a delta's base whole: refuses a reference delta on
     * such a blob, whether the blob is in the pack (found by id) or in the clone ({@link HeldAtOnce} refuses an offset
     * delta on one). Returns the size of each base in the clone that reference deltas name.
     */
    private static Map<ObjectId, Long> refuseReferenceDeltasOnBigBlobs(PackEntries entries, Map<ObjectId, List<Integer>> refDeltas,
            Seen seen, ObjectReader clone, HeldObjectLimit limit) throws IOException {
        Map<ObjectId, Long> stored = new HashMap<>();
        for (ObjectId id : refDeltas.keySet()) {
            Integer inPack = seen.bigBlobs.get(id);
            if (inPack != null) {
                throw limit.refusalOfBase(entries.kind(inPack), entries.size(inPack), entries.start(inPack));
            }
            if (clone.has(id)) {
                long size = clone.getObjectSize(id, ObjectReader.OBJ_ANY);
                if (limit.exceededBy(size)) {
                    throw limit.refusal("a delta on " + id.name() + ", an object of " + size + " bytes in the clone");
                }
                stored.put(id, size);
            }
        }
        return stored;
    }

    /** Refuses the pack if JGit's walk over its deltas would hold more than the limit allows at once ({@link HeldAtOnce}). */
    private static void refuseWhatJGitWouldHoldAtOnce(PackEntries entries, Map<ObjectId, List<Integer>> refDeltas,
            Map<ObjectId, Long> storedBases, Seen seen, HeldObjectLimit limit) throws FetchRefusedException {
        entries.indexChildren();
        limit.refuseOver(HeldAtOnce.of(entries, seen::made, refDeltas, storedBases, limit, HeldAtOnce.Order.ANY));
    }

    /**
     * What the scan saw that JGit's parser will need later: the sizes deltas make (their objects are read again from
     * the file by JGit's parser), and the id of each whole blob over the limit, since a reference delta names its
     * base by id.
     */
    private static final class Seen implements PackScan.Objects {

        private final HeldObjectLimit limit;
        final Map<ObjectId, Integer> bigBlobs = new HashMap<>();
        private long[] made = new long[0];

        Seen(HeldObjectLimit limit) {
            this.limit = limit;
        }

        long made(int entry) {
            return entry < made.length ? made[entry] : 0;
        }

        @Override
        public void expect(int count) {
            // sized as the entries arrive, not by the count the header claims
        }

        @Override
        public void whole(int entry, int type, byte[] data) {
            // checked by JGit's parser as it reads the file
        }

        @Override
        public PackScan.Chunks bigBlob(int entry, long size) {
            CollisionDetectingSha1 sha = limit.exceededBy(size) ? ObjectResolver.beginObject(new CollisionDetectingSha1(), Constants.OBJ_BLOB, size) : null;
            return new PackScan.Chunks() {
                @Override
                public void update(byte[] data, int offset, int length) {
                    if (sha != null) {
                        sha.update(data, offset, length);
                    }
                }

                @Override
                public void end() throws CorruptPackException {
                    if (sha != null) {
                        bigBlobs.put(ObjectResolver.digest(sha), entry);
                    }
                }
            };
        }

        @Override
        public void delta(int entry, long start, int base, byte[] delta) {
            // resolved by JGit's parser once the pack is in
        }

        @Override
        public void deltaSizes(int entry, long baseSize, long resultSize) {
            if (entry >= made.length) {
                made = Arrays.copyOf(made, Math.max(entry + 1, made.length * 2));
            }
            made[entry] = resultSize;
        }
    }
}
