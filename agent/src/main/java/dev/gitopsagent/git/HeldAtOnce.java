package dev.gitopsagent.git;

import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.function.IntToLongFunction;

import org.eclipse.jgit.lib.ObjectId;

/**
 * The most one thread holds at once while it resolves a pack's deltas depth first, as JGit's parser does on its
 * one thread ({@link PackSpool}) and as each thread of the first fetch's parser does ({@link ObjectResolver}): at
 * a delta, its instructions, what it makes and its base, and every base further up that still has another delta
 * waiting for it.
 *
 * <p>Which of a base's deltas is resolved last matters: once it is, the base is no longer held. JGit's order is
 * its own, so for it ({@link Order#ANY}) a base with two deltas or more counts as waiting for all of them. The
 * first fetch's parser resolves the deltas on a base in the order this walk gives it ({@link Order#HEAVIEST_LAST}):
 * the one below which the most is held goes last, which holds the least a depth-first order can.
 *
 * <p>A reference delta whose base is not in the clone ({@code storedBases}) has its base in the pack, found by id
 * only as the parser resolves it; with one of those, where it hangs is not known before, so every object the walk
 * could hold counts. git sends offset deltas within a pack to any client that takes them, as both parsers do.
 *
 * @param bytes the most held at once
 * @param where where in the pack, as a sentence names it
 * @param last for the first fetch's parser: the deltas each to be resolved after the others on its base
 */
record HeldAtOnce(long bytes, String where, BitSet last) {

    /** In which order a parser resolves the deltas on one base. */
    enum Order {
        ANY, HEAVIEST_LAST
    }

    /**
     * The walk over {@code entries} (with offset children indexed), where {@code made} gives the size a delta makes;
     * {@code refDeltas} are the reference deltas by base id, {@code storedBases} the sizes of those bases the clone
     * holds, and {@code limit} tells a whole blob that streams (over it). Refuses an offset delta on such a blob:
     * resolving it would hold the blob whole.
     */
    static HeldAtOnce of(PackEntries entries, IntToLongFunction made, Map<ObjectId, List<Integer>> refDeltas,
            Map<ObjectId, Long> storedBases, HeldObjectLimit limit, Order order) throws FetchRefusedException {
        for (int entry = 0; entry < entries.count(); entry++) {
            int base = entries.base(entry);
            if (base != PackEntries.NO_BASE && !entries.isDelta(base) && limit.exceededBy(entries.size(base))) {
                throw limit.refusalOfBase(entries.kind(base), entries.size(base), entries.start(base));
            }
        }
        if (!storedBases.keySet().containsAll(refDeltas.keySet())) {
            return everything(entries, made, limit);
        }
        return new Walk(entries, made, order).peak(refDeltas, storedBases);
    }

    private static HeldAtOnce everything(PackEntries entries, IntToLongFunction made, HeldObjectLimit limit) {
        long all = 0;
        for (int entry = 0; entry < entries.count(); entry++) {
            if (entries.isDelta(entry)) {
                all += entries.size(entry) + made.applyAsLong(entry);
            } else if (!limit.exceededBy(entries.size(entry))) {
                // A whole blob over the limit streams, and has no offset delta on it (refused above); a reference delta
                // on it is refused as it is found.
                all += entries.size(entry);
            }
        }
        return new HeldAtOnce(all, "every object it may hold, since a reference delta's base in the pack is known only by id",
                new BitSet());
    }

    /**
     * Below each base, the most held at once while its deltas are resolved, from the last entry back (an offset
     * delta comes after its base, so every delta's figure is known before its base's); then the path to the peak.
     */
    private static final class Walk {

        private final PackEntries entries;
        private final IntToLongFunction made;
        private final Order order;
        /** For each entry, the most held while the deltas on it, and below them, are resolved, with it held. */
        private final long[] below;
        private final BitSet last = new BitSet();

        Walk(PackEntries entries, IntToLongFunction made, Order order) {
            this.entries = entries;
            this.made = made;
            this.order = order;
            this.below = new long[entries.count()];
        }

        HeldAtOnce peak(Map<ObjectId, List<Integer>> refDeltas, Map<ObjectId, Long> storedBases) {
            for (int entry = entries.count() - 1; entry >= 0; entry--) {
                if (entries.childrenEnd(entry) > entries.firstChild(entry)) {
                    below[entry] = below(size(entry), offsetDeltas(entry));
                }
            }
            long most = 0;
            int[] deltasOfMost = new int[0];
            long baseOfMost = 0;
            for (int entry = 0; entry < entries.count(); entry++) {
                if (!entries.isDelta(entry) && below[entry] > most) {
                    most = below[entry];
                    deltasOfMost = offsetDeltas(entry);
                    baseOfMost = size(entry);
                }
            }
            for (Map.Entry<ObjectId, List<Integer>> onStored : refDeltas.entrySet()) {
                int[] deltas = onStored.getValue().stream().mapToInt(Integer::intValue).toArray();
                long base = storedBases.get(onStored.getKey());
                long held = below(base, deltas);
                if (held > most) {
                    most = held;
                    deltasOfMost = deltas;
                    baseOfMost = base;
                }
            }
            return new HeldAtOnce(most, most == 0 ? "no delta" : where(baseOfMost, deltasOfMost, 0), last);
        }

        /** The size of the entry's data once resolved. */
        private long size(int entry) {
            return entries.isDelta(entry) ? made.applyAsLong(entry) : entries.size(entry);
        }

        private int[] offsetDeltas(int base) {
            int[] deltas = new int[entries.childrenEnd(base) - entries.firstChild(base)];
            for (int at = 0; at < deltas.length; at++) {
                deltas[at] = entries.child(entries.firstChild(base) + at);
            }
            return deltas;
        }

        /** The most held below a base of {@code baseSize} with these deltas on it; marks the one to resolve last. */
        private long below(long baseSize, int[] deltas) {
            int heaviest = heaviest(deltas);
            long most = 0;
            for (int delta : deltas) {
                most = Math.max(most, Math.max(step(delta, baseSize), below[delta] + (waits(delta, heaviest, deltas) ? baseSize : 0)));
            }
            if (heaviest >= 0) {
                last.set(heaviest);
            }
            return most;
        }

        /** The delta below which the most is held (the first of equals), or -1 if there is none. */
        private int heaviest(int[] deltas) {
            int heaviest = -1;
            for (int delta : deltas) {
                if (heaviest < 0 || below[delta] > below[heaviest]) {
                    heaviest = delta;
                }
            }
            return heaviest;
        }

        /** Whether the base is still held while the deltas below {@code delta} are resolved: another delta on it may wait. */
        private boolean waits(int delta, int heaviest, int[] deltas) {
            return order == Order.ANY ? deltas.length >= 2 : delta != heaviest;
        }

        /** What resolving the delta holds: its instructions, what it makes, and its base. */
        private long step(int delta, long baseSize) {
            return entries.size(delta) + made.applyAsLong(delta) + baseSize;
        }

        /** Follows the peak down from a base to the delta where it is reached, and names it. */
        private String where(long baseSize, int[] deltas, long waiting) {
            while (true) {
                int heaviest = heaviest(deltas);
                long most = below(baseSize, deltas);
                int next = -1;
                for (int delta : deltas) {
                    if (step(delta, baseSize) == most) {
                        return "at the delta at offset " + entries.start(delta) + " of the pack: its " + entries.size(delta)
                                + " bytes, the " + made.applyAsLong(delta) + " it makes, its base of " + baseSize + " and " + waiting
                                + " of bases that other deltas wait for";
                    }
                    if (next < 0 && below[delta] + (waits(delta, heaviest, deltas) ? baseSize : 0) == most) {
                        next = delta;
                    }
                }
                if (next < 0) {
                    break;
                }
                waiting += waits(next, heaviest, deltas) ? baseSize : 0;
                baseSize = made.applyAsLong(next);
                deltas = offsetDeltas(next);
            }
            throw new IllegalStateException("the peak of the walk is below no delta");
        }
    }
}
