package dev.gitopsagent.git;

import java.io.IOException;

/**
 * What one fetch has received so far, against its {@link FetchBounds} and what the heap can index
 * ({@link HeapCapacity}): the bytes of every pack and loose object and the objects they hold. One tally
 * per fetch, shared by every pack it parses (a dumb-HTTP fetch may download several).
 */
final class FetchTally {

    /** What every heap-too-small refusal ends with: what the operator may change. */
    private static final String RAISE_THE_HEAP = "; raise the JVM's -Xmx (a repository needs about 1 MiB per 6,000 objects), or fetch"
            + " the head alone (gitops.repository.first-sync=shallow); nothing of it is kept";

    private final FetchBounds bounds;
    private final HeapCapacity heap;
    private long bytes;
    private long objects;

    FetchTally(FetchBounds bounds, HeapCapacity heap) {
        this.bounds = bounds;
        this.heap = heap;
    }

    synchronized void bytes(long received) throws FetchRefusedException {
        bytes += received;
        if (bytes > bounds.maxBytes()) {
            throw new FetchRefusedException(FetchRefusedException.Reason.TOO_LARGE, "the remote sent more than " + bounds.maxBytes()
                    + " bytes in one fetch, the limit set by " + FetchBounds.MAX_BYTES_KEY + "; nothing of it is kept");
        }
    }

    synchronized void objects(long announced) throws FetchRefusedException {
        objects += announced;
        if (objects > bounds.maxObjects()) {
            throw new FetchRefusedException(FetchRefusedException.Reason.TOO_MANY_OBJECTS, "the remote announced " + objects
                    + " objects in one fetch, more than " + bounds.maxObjects() + ", the limit set by " + FetchBounds.MAX_OBJECTS_KEY
                    + "; nothing of it is kept");
        }
        if (objects > heap.objects()) {
            throw new FetchRefusedException(FetchRefusedException.Reason.HEAP_TOO_SMALL, "the remote announced " + objects
                    + " objects in one fetch, more than the " + heap.objects() + " that this process's heap of " + heap.mebibytes()
                    + " MiB could index at all (each takes at least " + HeapCapacity.BYTES_PER_OBJECT + " bytes, beside "
                    + (HeapCapacity.AGENT_BYTES >> 20) + " MiB for the agent)" + RAISE_THE_HEAP);
        }
    }

    /**
     * The refusal of a fetch that ran the heap out of memory: the pack passed the header's bound above (which refuses
     * only what no heap of this size could index), but its objects took more than that least each.
     */
    synchronized FetchRefusedException exhausted() {
        String what = objects == 0 ? "during a fetch, before any pack arrived"
                : "indexing the " + objects + " objects the remote announced in one fetch";
        return new FetchRefusedException(FetchRefusedException.Reason.HEAP_TOO_SMALL, "this process's heap of " + heap.mebibytes()
                + " MiB ran out of memory " + what + RAISE_THE_HEAP);
    }
}
