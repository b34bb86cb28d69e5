package dev.gitopsagent.cli;

import java.util.Arrays;
import java.util.Optional;

/** The CLI's commands; all but {@code status} and {@code help} change what the agent does and need the token. */
public enum Command {
    STATUS("status", false),
    TRIGGER("trigger", true),
    SUSPEND("suspend", true),
    RESUME("resume", true),
    RETRY("retry", true),
    ROLLBACK("rollback", true),
    HELP("help", false);

    private final String word;
    private final boolean control;

    Command(String word, boolean control) {
        this.word = word;
        this.control = control;
    }

    public static Optional<Command> named(String word) {
        if (word.equals("--help") || word.equals("-h")) {
            return Optional.of(HELP);
        }
        return Arrays.stream(values()).filter(c -> c.word.equals(word)).findFirst();
    }

    public String word() {
        return word;
    }

    public boolean isControl() {
        return control;
    }
}
