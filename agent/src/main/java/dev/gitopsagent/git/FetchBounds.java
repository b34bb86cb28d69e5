package dev.gitopsagent.git;

import dev.gitopsagent.config.AgentConfig;

/**
 * How much one fetch may bring into the local mirror. The remote is not trusted: without a bound, a
 * hostile or broken server could fill the disk or the heap before a single signature is checked.
 *
 * @param maxBytes pack bytes one fetch may receive ({@value #MAX_BYTES_KEY})
 * @param maxObjects objects one fetch may receive ({@value #MAX_OBJECTS_KEY})
 */
public record FetchBounds(long maxBytes, long maxObjects) {

    public static final String MAX_BYTES_KEY = "gitops.repository.fetch.max-bytes";
    public static final String MAX_OBJECTS_KEY = "gitops.repository.fetch.max-objects";

    public FetchBounds {
        if (maxBytes < 1 || maxObjects < 1) {
            throw new IllegalArgumentException("fetch bounds must be positive: " + maxBytes + " bytes, " + maxObjects + " objects");
        }
    }

    public static FetchBounds configured(AgentConfig.Repository repository) {
        return new FetchBounds(repository.fetch().maxBytes(), repository.fetch().maxObjects());
    }
}
