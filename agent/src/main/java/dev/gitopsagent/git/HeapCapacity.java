package dev.gitopsagent.git;

import java.util.List;
import java.util.Locale;

/**
 * The most objects one fetch may bring in for this process's heap to have any chance of holding what indexing them
 * takes. Past it, the parser's tables would run the heap out of memory: a hostile server needs about 16 MB of a million
 * small objects for that in a JVM agent with the unit's 64 MiB heap (shown for both parsers). Refused from the pack
 * header's count instead, the fetch is refused before its objects are downloaded and parsed, naming the heap.
 *
 * <p>It refuses only what cannot fit, so that no repository that syncs is refused: {@link #BYTES_PER_OBJECT} is below
 * what any pack measured needs (blobs of a few bytes, the cheapest shape: in a 63 MiB heap with nothing else in it,
 * a million of them ran the first fetch's parser out of memory, more than 66 bytes an object; JGit's parser needs more).
 * Real repositories need more still: the README's guidance is about 170 bytes an object (Performance). A fetch between
 * the two that does run the heap out of memory is refused as well, once it has ({@link BoundedRepository#heapExhausted}).
 * A 310,312-object repository of small files syncs in 64 MiB.
 *
 * @param maxHeapBytes the most the heap may grow to ({@link Runtime#maxMemory()}: {@code -Xmx}, about)
 */
public record HeapCapacity(long maxHeapBytes) {

    /** What the agent holds besides a fetch's tables: Quarkus, the HTTP server, the scheduler, the state. */
    static final long AGENT_BYTES = 15L << 20;
    /** Less than indexing one received object holds, whatever the pack (see above). */
    static final long BYTES_PER_OBJECT = 64;
    /** How the JVM words the out-of-memory errors that are not the heap's, in lower case. */
    private static final List<String> NOT_THE_HEAP = List.of("native thread", "metaspace", "compressed class space", "direct buffer memory");

    /**
     * Whether the error says the heap ran out, which a fetch's tables fill and free again as the error leaves them: not
     * a thread, metaspace or direct buffer the process could not get, which refusing the fetch would not give back.
     */
    static boolean isHeapExhaustion(OutOfMemoryError error) {
        String message = String.valueOf(error.getMessage()).toLowerCase(Locale.ROOT);
        return NOT_THE_HEAP.stream().noneMatch(message::contains);
    }

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
