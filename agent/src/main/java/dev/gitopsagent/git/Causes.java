package dev.gitopsagent.git;

import java.util.Optional;

/** The cause chain of a failure: JGit wraps what stopped a fetch in a {@code TransportException} or two. */
final class Causes {

    private Causes() {
    }

    /** The failure itself or the first of its causes that is a {@code type}, if any. */
    static <T extends Throwable> Optional<T> find(Throwable failure, Class<T> type) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (type.isInstance(cause)) {
                return Optional.of(type.cast(cause));
            }
        }
        return Optional.empty();
    }
}
