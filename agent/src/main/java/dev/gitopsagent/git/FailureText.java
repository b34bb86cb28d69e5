package dev.gitopsagent.git;

import java.util.ArrayList;
import java.util.List;

/**
 * One line for a failed remote operation: the exception's message followed by those of its causes.
 * JGit wraps most transport failures in a generic message ("remote hung up unexpectedly" for any
 * I/O error while an SSH session is set up), so the top message alone hides what an operator must fix.
 */
public final class FailureText {

    /** Enough to reach the real cause through JGit's and MINA SSHD's wrapping, short enough for a status line. */
    private static final int MAX_CAUSES = 4;

    private FailureText() {
    }

    public static String of(Throwable failure) {
        List<String> parts = new ArrayList<>();
        String joined = "";
        Throwable current = failure;
        for (int depth = 0; current != null && depth <= MAX_CAUSES; depth++, current = current.getCause()) {
            String message = current.getMessage() != null ? current.getMessage() : current.getClass().getSimpleName();
            // Wrappers often repeat their cause's message (or it theirs); say each thing once.
            if (!joined.contains(message)) {
                parts.add(message);
                joined = String.join(": ", parts);
            }
            if (current.getCause() == current) {
                break;
            }
        }
        return joined;
    }
}
