package dev.gitopsagent.git;

import java.io.File;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.util.sha1.SHA1;

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
            Map<ObjectId, Long> storedBases = refuseDeltasOnBigBlobs(entries, refDeltas, seen, clone, limit);
            refuseWhatJGitWouldHoldAtOnce(entries, refDeltas, storedBases, seen, limit);
            InputStream checked = Files.newInputStream(spool);
            // The open stream keeps the data readable; nothing is left behind once the parser is done with it.
            Files.delete(spool);
            return checked;
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(spool);
            throw e;
        }
    }

    /**
     * A whole blob over the limit streams, but JGit's parser loads a delta's base whole: refuses a delta on such a
     * blob, whether the blob is in the pack (an offset delta's base, or a reference delta's by id) or in the clone.
     * Returns the size of each base in the clone that reference deltas name.
     */
    private static Map<ObjectId, Long> refuseDeltasOnBigBlobs(PackEntries entries, Map<ObjectId, List<Integer>> refDeltas, Seen seen,
            ObjectReader clone, HeldObjectLimit limit) throws IOException {
        for (int entry = 0; entry < entries.count(); entry++) {
            int base = entries.base(entry);
            if (base != PackEntries.NO_BASE && !entries.isDelta(base) && limit.exceededBy(entries.size(base))) {
                throw limit.refusalOfBase(entries.kind(base), entries.size(base), entries.start(base));
            }
        }
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

    /**
     * Follows JGit's walk over the deltas (each base whole from the pack or the clone, the deltas on it depth first)
     * and refuses the pack if, at some delta, the walk would hold more than the limit allows at once: the delta's
     * instructions, what it makes, its base, and every base further up that still has another delta waiting. A
     * reference delta whose base is neither in the clone nor a blob over the limit has its base in the pack, found
     * by id only as JGit resolves it; with one of those, where it hangs is not known here, so every object the walk
     * could hold counts (git sends offset deltas within a pack to a client that takes them, as JGit does).
     */
    private static void refuseWhatJGitWouldHoldAtOnce(PackEntries entries, Map<ObjectId, List<Integer>> refDeltas,
            Map<ObjectId, Long> storedBases, Seen seen, HeldObjectLimit limit) throws FetchRefusedException {
        entries.indexChildren();
        if (!storedBases.keySet().containsAll(refDeltas.keySet())) {
            long all = 0;
            for (int entry = 0; entry < entries.count(); entry++) {
                if (entries.isDelta(entry)) {
                    all += entries.size(entry) + seen.made(entry);
                } else if (!limit.exceededBy(entries.size(entry))) {
                    // A whole blob over the limit streams, and has no delta on it (refused above).
                    all += entries.size(entry);
                }
            }
            if (limit.exceededAtOnceBy(all)) {
                throw limit.refusalAtOnce(all, "every object it may hold, since a reference delta's base in the pack is known only by id");
            }
            return;
        }
        Deque<Step> walk = new ArrayDeque<>();
        for (int entry = 0; entry < entries.count(); entry++) {
            if (!entries.isDelta(entry)) {
                pushDeltasOn(walk, entries, entry, entries.size(entry), 0);
            }
        }
        for (Map.Entry<ObjectId, List<Integer>> onStored : refDeltas.entrySet()) {
            for (int delta : onStored.getValue()) {
                walk.push(new Step(delta, storedBases.get(onStored.getKey()), 0, onStored.getValue().size()));
            }
        }
        while (!walk.isEmpty()) {
            Step step = walk.pop();
            long made = seen.made(step.delta());
            long held = entries.size(step.delta()) + made + step.base() + step.waiting();
            if (limit.exceededAtOnceBy(held)) {
                throw limit.refusalAtOnce(held, "at the delta at offset " + entries.start(step.delta()) + " of the pack: its "
                        + entries.size(step.delta()) + " bytes, the " + made + " it makes, its base of " + step.base() + " and "
                        + step.waiting() + " of bases that other deltas wait for");
            }
            // The base stays held while the deltas on this one are resolved only if another delta on it still waits.
            pushDeltasOn(walk, entries, step.delta(), made, step.waiting() + (step.deltasOnBase() >= 2 ? step.base() : 0));
        }
    }

    private static void pushDeltasOn(Deque<Step> walk, PackEntries entries, int base, long baseSize, long waiting) {
        int deltas = entries.childrenEnd(base) - entries.firstChild(base);
        for (int at = entries.firstChild(base); at < entries.childrenEnd(base); at++) {
            walk.push(new Step(entries.child(at), baseSize, waiting, deltas));
        }
    }

    /**
     * A delta on the walk: the size of its base's data, what the bases further up hold while other deltas on them
     * wait, and how many deltas are on its base.
     */
    private record Step(int delta, long base, long waiting, int deltasOnBase) {
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
            SHA1 sha = limit.exceededBy(size) ? ObjectResolver.beginObject(SHA1.newInstance(), Constants.OBJ_BLOB, size) : null;
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
