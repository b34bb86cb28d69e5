package dev.gitopsagent.git;

import org.eclipse.jgit.lib.Constants;

/**
 * The largest object a fetch's parser holds whole in memory: a commit, tree or tag (to check it), a
 * delta, what a delta makes (a blob rebuilt from a delta too), and a blob that deltas are built on, in
 * the pack or in the clone. A whole blob with no delta on it is hashed and checked as it streams, so it
 * is bounded by the fetch's byte limit alone, not by this one. A first fetch's own parser
 * ({@link FirstPackParser}) applies it as it goes; any other pack is scanned for it before JGit's
 * parser reads it ({@link PackSpool}).
 *
 * <p>The fetch's byte limit does not bound these: a commit of zeros compresses a thousandfold, and a
 * delta's copy instructions make 64 KiB each from a few bytes, so a few hundred bytes of a pack can
 * make a gibibyte. Without this limit, such a pack met the agent's 64 MiB heap with
 * {@link OutOfMemoryError}, on whatever thread allocated next.
 *
 * @param bytes the limit ({@value FetchBounds#MAX_OBJECT_BYTES_KEY})
 */
record HeldObjectLimit(long bytes) {

    /**
     * How many objects at the limit a parser may hold at once, on all its threads together: a delta, its base and
     * what it makes, and one more base waiting for another delta ({@link HeldAtOnce}).
     */
    static final int AT_ONCE = 4;

    boolean exceededBy(long size) {
        return size > bytes;
    }

    /**
     * How many threads may resolve deltas side by side when each may hold {@code peak} bytes at once, so that all of
     * them hold at most {@link #AT_ONCE} objects at the limit: at least one, at most {@code threads}.
     */
    int threadsFor(long peak, int threads) {
        return (int) Math.max(1, Math.min(threads, atOnce() / Math.max(peak, 1)));
    }

    private long atOnce() {
        return bytes > Long.MAX_VALUE / AT_ONCE ? Long.MAX_VALUE : bytes * AT_ONCE;
    }

    /** Refuses a pack whose deltas one thread would resolve holding more than {@link #AT_ONCE} objects at the limit. */
    void refuseOver(HeldAtOnce peak) throws FetchRefusedException {
        if (peak.bytes() <= atOnce()) {
            return;
        }
        throw new FetchRefusedException(FetchRefusedException.Reason.HELD_TOO_LARGE, "the remote sent a pack whose deltas would be"
                + " resolved holding " + peak.bytes() + " bytes at once (" + peak.where() + "), more than " + AT_ONCE + " objects of the "
                + bytes + " bytes set by " + FetchBounds.MAX_OBJECT_BYTES_KEY + "; nothing of it is kept");
    }

    /** The refusal of a whole object over the limit with deltas on it: resolving them holds it whole. */
    FetchRefusedException refusalOfBase(int type, long size, long offset) {
        return refusal("a " + Constants.typeString(type) + " of " + size + " bytes at offset " + offset + " of the pack with deltas on it");
    }

    /** The refusal of {@code object}, as a sentence names it ("a commit of 20971520 bytes at offset 12 of the pack"). */
    FetchRefusedException refusal(String object) {
        return new FetchRefusedException(FetchRefusedException.Reason.OBJECT_TOO_LARGE, "the remote sent " + object + ", more than "
                + bytes + " bytes, the limit set by " + FetchBounds.MAX_OBJECT_BYTES_KEY + " on an object the agent holds whole to check"
                + " it; nothing of it is kept");
    }
}
