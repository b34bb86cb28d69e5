package dev.gitopsagent.git;

/**
 * How many objects one fetch may bring in for this process's heap to hold what indexing them takes. Past it, the
 * parser's tables run the heap out of memory, and the agent exits (status 70) to be restarted, only to fetch the same
 * pack again: a hostile server needs about 16 MB of a million empty-ish objects to keep a JVM agent with the unit's
 * 64 MiB heap in that loop (shown for both parsers). Refused from the pack header's count instead, the fetch names
 * the heap, and the agent keeps serving its status.
 *
 * <p>The figures are the README's heap guidance for a first sync (Performance: about 15 MiB for the agent and about
 * 170 bytes an object, measured with JGit's parser on the 280,000-object benchmark repository, whose first sync runs
 * in 64 MiB). The agent's own first-fetch parser needs less, and so does JGit's for a pack of small blobs (in 63 MiB,
 * 800,000 and 500,000 of them fitted), so on the packs measured the bound refuses before the heap runs out, not after.
 *
 * @param maxHeapBytes the most the heap may grow to ({@link Runtime#maxMemory()}: {@code -Xmx}, about)
 */
public record HeapCapacity(long maxHeapBytes) {

    /** What the agent holds besides a fetch's tables: Quarkus, the HTTP server, the scheduler, the state. */
    static final long AGENT_BYTES = 15L << 20;
    /** What indexing one received object holds while the pack is parsed and checked. */
    static final long BYTES_PER_OBJECT = 170;

    public static HeapCapacity ofThisProcess() {
        return new HeapCapacity(Runtime.getRuntime().maxMemory());
    }

    /** How many objects one fetch may bring in. */
    public long objects() {
        return Math.max(0, (maxHeapBytes - AGENT_BYTES) / BYTES_PER_OBJECT);
    }

    /** The heap's size in MiB, as a message names it. */
    public long mebibytes() {
        return maxHeapBytes >> 20;
    }
}
