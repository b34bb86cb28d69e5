package dev.gitopsagent.git;

import java.util.Optional;
import java.util.function.Predicate;

import org.eclipse.jgit.lib.AnyObjectId;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.util.NB;

/**
 * A set of object ids kept as five ints each in flat arrays (open addressing, linear probing): 20
 * bytes an id and no object per id, where JGit's maps take about 40 and a pointer chase per look-up.
 * Built for {@link LinkRecordingChecker}, which looks up some 20 million tree entries on a first sync
 * of a 50,000-commit history while JGit's pack parser fills the agent's small heap. So the table is
 * split in {@value #SEGMENTS} segments that grow one at a time by half (a doubling table would hold
 * the old and the new array at once at its largest, 16 MB where 8 MB do).
 *
 * <p>Adding is thread-safe, one lock per segment, so the threads of a parallel pack parser note their
 * links in one table; {@link #find} is for after they are done.
 */
final class IdTable {

    private static final int WORDS = Constants.OBJECT_ID_LENGTH / 4;
    private static final int SEGMENTS = 16;

    private final Segment[] segments = new Segment[SEGMENTS];
    /** The all-zero id cannot be told from an empty slot, so it is kept apart. */
    private volatile boolean zero;

    IdTable() {
        for (int i = 0; i < SEGMENTS; i++) {
            segments[i] = new Segment();
        }
    }

    /** Adds the id whose 20 raw bytes start at {@code offset}. */
    void addRaw(byte[] raw, int offset) {
        add(NB.decodeInt32(raw, offset), NB.decodeInt32(raw, offset + 4), NB.decodeInt32(raw, offset + 8),
                NB.decodeInt32(raw, offset + 12), NB.decodeInt32(raw, offset + 16));
    }

    void add(AnyObjectId id) {
        byte[] raw = new byte[Constants.OBJECT_ID_LENGTH];
        id.copyRawTo(raw, 0);
        addRaw(raw, 0);
    }

    /** The first id for which {@code test} holds, if any. */
    Optional<ObjectId> find(Predicate<ObjectId> test) {
        if (zero && test.test(ObjectId.zeroId())) {
            return Optional.of(ObjectId.zeroId());
        }
        for (Segment segment : segments) {
            Optional<ObjectId> found = segment.find(test);
            if (found.isPresent()) {
                return found;
            }
        }
        return Optional.empty();
    }

    /** Adds the id of these five words (big-endian, as {@link ObjectId} keeps them). */
    void add(int w1, int w2, int w3, int w4, int w5) {
        if ((w1 | w2 | w3 | w4 | w5) == 0) {
            zero = true;
            return;
        }
        // Object ids are SHA-1 hashes: their bits are already evenly spread. w1 picks the segment, w2 the slot.
        segments[w1 >>> 28].add(w1, w2, w3, w4, w5);
    }

    private static final class Segment {

        private int[] words = new int[256 * WORDS];
        private int capacity = 256;
        private int size;

        synchronized void add(int w1, int w2, int w3, int w4, int w5) {
            if (insert(words, capacity, w1, w2, w3, w4, w5) && ++size * 4 > capacity * 3) {
                grow();
            }
        }

        synchronized Optional<ObjectId> find(Predicate<ObjectId> test) {
            for (int at = 0; at < words.length; at += WORDS) {
                if ((words[at] | words[at + 1] | words[at + 2] | words[at + 3] | words[at + 4]) != 0) {
                    ObjectId id = new ObjectId(words[at], words[at + 1], words[at + 2], words[at + 3], words[at + 4]);
                    if (test.test(id)) {
                        return Optional.of(id);
                    }
                }
            }
            return Optional.empty();
        }

        private void grow() {
            int[] old = words;
            capacity += capacity / 2;
            words = new int[capacity * WORDS];
            for (int at = 0; at < old.length; at += WORDS) {
                if ((old[at] | old[at + 1] | old[at + 2] | old[at + 3] | old[at + 4]) != 0) {
                    insert(words, capacity, old[at], old[at + 1], old[at + 2], old[at + 3], old[at + 4]);
                }
            }
        }

        /** True when the id was not there yet. */
        private static boolean insert(int[] words, int capacity, int w1, int w2, int w3, int w4, int w5) {
            int slot = (int) (((w2 & 0xffffffffL) * capacity) >>> 32);
            while (true) {
                int at = slot * WORDS;
                if ((words[at] | words[at + 1] | words[at + 2] | words[at + 3] | words[at + 4]) == 0) {
                    words[at] = w1;
                    words[at + 1] = w2;
                    words[at + 2] = w3;
                    words[at + 3] = w4;
                    words[at + 4] = w5;
                    return true;
                }
                if (words[at] == w1 && words[at + 1] == w2 && words[at + 2] == w3 && words[at + 3] == w4 && words[at + 4] == w5) {
                    return false;
                }
                slot = slot + 1 == capacity ? 0 : slot + 1;
            }
        }
    }
}
