package dev.gitopsagent.git;

import java.io.IOException;
import java.util.Optional;

/**
 * A fetch the agent stopped because of what the remote sent, not because the remote failed: too many
 * bytes, too many objects (for the configured bound, or for the heap to index), an object too big to hold
 * whole, deltas that would hold too much at once, or history cut short by shallow information it never
 * asked for. Nothing of it is kept: the mirror's branches and objects are as before, and the next poll
 * tries again.
 */
public final class FetchRefusedException extends IOException {

    private static final long serialVersionUID = 1L;

    /** Each way a fetch is refused; the label is what metrics count ({@code gitops_refusals_total{reason="fetch-too-large"}}). */
    public enum Reason {
        TOO_LARGE("fetch-too-large"),
        TOO_MANY_OBJECTS("too-many-objects"),
        HEAP_TOO_SMALL("heap-too-small"),
        OBJECT_TOO_LARGE("object-too-large"),
        HELD_TOO_LARGE("held-too-large"),
        SHALLOW("unsolicited-shallow");

        private final String label;

        Reason(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    private final Reason reason;

    public FetchRefusedException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }

    /** This refusal, when it is the failure or what caused it (JGit wraps it in a {@code TransportException} or two). */
    public static Optional<FetchRefusedException> in(Throwable failure) {
        return Causes.find(failure, FetchRefusedException.class);
    }
}
