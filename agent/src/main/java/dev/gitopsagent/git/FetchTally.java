package dev.gitopsagent.git;

import java.io.IOException;

/**
 * What one fetch has received so far, against its {@link FetchBounds}: the bytes of every pack and
 * loose object and the objects they hold. One tally per fetch, shared by every pack it parses (a
 * dumb-HTTP fetch may download several).
 */
final class FetchTally {

    private final FetchBounds bounds;
    private long bytes;
    private long objects;

    FetchTally(FetchBounds bounds) {
        this.bounds = bounds;
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
    }
}
