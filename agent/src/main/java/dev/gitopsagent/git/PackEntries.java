package dev.gitopsagent.git;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;

/**
 * The entries of one received pack, in pack order, as {@link PackScan} found them: where each starts,
 * how long its header is, its kind (a whole object's type, or one of the two delta kinds), its declared
 * size, its CRC-32, and for a delta, its base. Kept in flat arrays (about 26 bytes an entry) that grow
 * with what is actually received, not with the count a pack header claims.
 *
 * <p>An offset delta's base is the entry it points back to, found when it is read; a reference delta
 * names its base by id, which is known only once that base is resolved ({@link #refDeltasOn}).
 */
final class PackEntries {

    static final int NO_BASE = -1;
    private static final int FIRST_CAPACITY = 4096;

    private final int expected;
    private int count;
    private long[] start;
    private long[] size;
    private byte[] kind;
    private byte[] headerLength;
    private int[] crc;
    private int[] base;
    private final Map<ObjectId, List<Integer>> refDeltas = new HashMap<>();
    private long end;
    /** The children of each entry, as offsets into {@link #children}: those of entry i are from childStart[i] to childStart[i + 1]. */
    private int[] childStart;
    private int[] children;

    PackEntries(long expected) {
        this.expected = (int) expected;
        int capacity = (int) Math.min(expected, FIRST_CAPACITY);
        start = new long[capacity];
        size = new long[capacity];
        kind = new byte[capacity];
        headerLength = new byte[capacity];
        crc = new int[capacity];
        base = new int[capacity];
    }

    /** Adds an entry and returns its number; {@code base} is the entry an offset delta builds on, else {@link #NO_BASE}. */
    int add(long entryStart, int entryHeaderLength, int entryKind, long entrySize, int entryBase) {
        if (count == start.length) {
            grow();
        }
        start[count] = entryStart;
        headerLength[count] = (byte) entryHeaderLength;
        kind[count] = (byte) entryKind;
        size[count] = entrySize;
        base[count] = entryBase;
        return count++;
    }

    void addRefDelta(int entry, ObjectId baseId) {
        refDeltas.computeIfAbsent(baseId, id -> new ArrayList<>(1)).add(entry);
    }

    /** The reference deltas by the id of the base each names, not handed out (unlike {@link #refDeltasOn}). */
    synchronized Map<ObjectId, List<Integer>> refDeltasByBase() {
        return Map.copyOf(refDeltas);
    }

    void crc(int entry, int value) {
        crc[entry] = value;
    }

    /** Where the last entry ends (and the pack's checksum starts). */
    void end(long offset) {
        end = offset;
    }

    /** The entry that starts exactly at {@code offset}, if one does (so far), else {@link #NO_BASE}. */
    int entryAt(long offset) {
        int found = Arrays.binarySearch(start, 0, count, offset);
        return found >= 0 ? found : NO_BASE;
    }

    int count() {
        return count;
    }

    long start(int entry) {
        return start[entry];
    }

    long dataStart(int entry) {
        return start[entry] + headerLength[entry];
    }

    /** The length of the entry's compressed data. */
    long dataLength(int entry) {
        long next = entry + 1 < count ? start[entry + 1] : end;
        return next - dataStart(entry);
    }

    int kind(int entry) {
        return kind[entry];
    }

    boolean isDelta(int entry) {
        return kind[entry] == Constants.OBJ_OFS_DELTA || kind[entry] == Constants.OBJ_REF_DELTA;
    }

    long size(int entry) {
        return size[entry];
    }

    int crc(int entry) {
        return crc[entry];
    }

    /** The reference deltas waiting for the base with this id; handed out once, so each is resolved once. */
    synchronized List<Integer> refDeltasOn(ObjectId id) {
        List<Integer> waiting = refDeltas.remove(id);
        return waiting == null ? List.of() : waiting;
    }

    synchronized boolean hasRefDeltasOn(ObjectId id) {
        return refDeltas.containsKey(id);
    }

    /** Whether any reference delta is still waiting for its base. */
    synchronized boolean hasRefDeltas() {
        return !refDeltas.isEmpty();
    }

    /** The entry an offset delta builds on, else {@link #NO_BASE}. */
    int base(int entry) {
        return base[entry];
    }

    /** Why a delta left unresolved could not be: what its base is. */
    synchronized String missingBase(int entry) {
        if (base[entry] != NO_BASE) {
            return "its base, the object at offset " + start[base[entry]] + ", cannot be resolved";
        }
        return refDeltas.entrySet().stream().filter(waiting -> waiting.getValue().contains(entry)).findFirst()
                .map(waiting -> "its base " + waiting.getKey().name() + " is not in the pack, and the clone holds no other object")
                .orElse("its base is unknown");
    }

    /** Indexes the offset deltas by base, once every entry is in (two arrays of ints, one per entry and one per offset delta). */
    void indexChildren() {
        childStart = new int[count + 1];
        for (int entry = 0; entry < count; entry++) {
            if (base[entry] != NO_BASE) {
                childStart[base[entry] + 1]++;
            }
        }
        for (int entry = 0; entry < count; entry++) {
            childStart[entry + 1] += childStart[entry];
        }
        children = new int[childStart[count]];
        int[] next = Arrays.copyOf(childStart, count);
        for (int entry = 0; entry < count; entry++) {
            if (base[entry] != NO_BASE) {
                children[next[base[entry]]++] = entry;
            }
        }
    }

    int firstChild(int entry) {
        return childStart[entry];
    }

    int childrenEnd(int entry) {
        return childStart[entry + 1];
    }

    int child(int at) {
        return children[at];
    }

    private void grow() {
        // Never past the count the header announced (itself bounded by the fetch's object limit).
        int capacity = (int) Math.min((long) Math.max(start.length, 1) * 2, Math.max(expected, 1));
        start = Arrays.copyOf(start, capacity);
        size = Arrays.copyOf(size, capacity);
        kind = Arrays.copyOf(kind, capacity);
        headerLength = Arrays.copyOf(headerLength, capacity);
        crc = Arrays.copyOf(crc, capacity);
        base = Arrays.copyOf(base, capacity);
    }
}
