package dev.gitopsagent.cli;

import java.util.Arrays;
import java.util.Optional;

/** The CLI's commands; all but {@code status} and {@code help} change what the agent does and need the token. */
public enum Command {
    STATUS("status"),
    TRIGGER("trigger"),
    SUSPEND("suspend"),
    RESUME("resume"),
    RETRY("retry"),
    ROLLBACK("rollback"),
    DEPLOY_NOW("deploy-now"),
    SKIP_WINDOW("skip-window"),
    HELP("help");

    private final String word;

    Command(String word) {
        this.word = word;
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
}
