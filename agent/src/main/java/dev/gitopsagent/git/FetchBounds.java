package dev.gitopsagent.git;

import dev.gitopsagent.config.AgentConfig;

/**
 * How much one fetch may bring into the local mirror. The remote is not trusted: without a bound, a
 * hostile or broken server could fill the disk or the heap before a single signature is checked.
 *
 * @param maxBytes pack bytes one fetch may receive ({@value #MAX_BYTES_KEY})
 * @param maxObjects objects one fetch may receive ({@value #MAX_OBJECTS_KEY})
 * @param maxObjectBytes the size of an object a fetch's parser must hold whole ({@value #MAX_OBJECT_BYTES_KEY}):
 *        a few hundred bytes of a pack can make one of any size, so the other two bounds do not bound it
 */
public record FetchBounds(long maxBytes, long maxObjects, long maxObjectBytes) {

    public static final String MAX_BYTES_KEY = "gitops.repository.fetch.max-bytes";
    public static final String MAX_OBJECTS_KEY = "gitops.repository.fetch.max-objects";
    public static final String MAX_OBJECT_BYTES_KEY = "gitops.repository.fetch.max-object-bytes";

    public FetchBounds {
        if (maxBytes < 1 || maxObjects < 1 || maxObjectBytes < 1) {
            throw new IllegalArgumentException("fetch bounds must be positive: " + maxBytes + " bytes, " + maxObjects + " objects, "
                    + maxObjectBytes + " bytes an object");
        }
    }

    public static FetchBounds configured(AgentConfig.Repository repository) {
        AgentConfig.Fetch fetch = repository.fetch();
        return new FetchBounds(fetch.maxBytes(), fetch.maxObjects(), fetch.maxObjectBytes());
    }
}
