package dev.gitopsagent.git;

/**
 * The largest object the first fetch's parser ({@link FirstPackParser}) holds whole in memory: a
 * commit, tree or tag (to check it), a delta, what a delta makes (a blob rebuilt from a delta too),
 * and a whole blob that deltas are built on. A whole blob with no delta on it is hashed and checked as
 * it streams, so it is bounded by the fetch's byte limit alone, not by this one.
 *
 * <p>The fetch's byte limit does not bound these: a commit of zeros compresses a thousandfold, and a
 * delta's copy instructions make 64 KiB each from a few bytes, so a few hundred bytes of a pack can
 * make a gibibyte. Without this limit, such a pack met the agent's 64 MiB heap with
 * {@link OutOfMemoryError}, on whatever thread allocated next.
 *
 * @param bytes the limit ({@value FetchBounds#MAX_OBJECT_BYTES_KEY})
 */
record HeldObjectLimit(long bytes) {

    boolean exceededBy(long size) {
        return size > bytes;
    }

    /** The refusal of {@code object}, as a sentence names it ("a commit of 20971520 bytes at offset 12 of the pack"). */
    FetchRefusedException refusal(String object) {
        return new FetchRefusedException(FetchRefusedException.Reason.OBJECT_TOO_LARGE, "the remote sent " + object + ", more than "
                + bytes + " bytes, the limit set by " + FetchBounds.MAX_OBJECT_BYTES_KEY + " on an object the agent holds whole to check"
                + " it; nothing of it is kept");
    }
}
