package dev.gitopsagent.testing;

import java.util.List;

/** What a finished external process left behind: its exit code and everything it printed. */
public record ProcessResult(List<String> command, int exitCode, String stdout, String stderr) {

    public boolean succeeded() {
        return exitCode == 0;
    }

    /** Returns this result, or throws with the command, exit code and stderr so a failing test explains itself. */
    public ProcessResult orThrow() {
        if (!succeeded()) {
            throw new IllegalStateException(
                    "command failed (exit " + exitCode + "): " + String.join(" ", command)
                            + "\n--- stderr ---\n" + stderr + "\n--- stdout ---\n" + stdout);
        }
        return this;
    }
}
