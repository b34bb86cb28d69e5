package dev.gitopsagent.cli;

/** The command line itself is wrong; nothing was sent to the agent. */
public final class UsageException extends Exception {
    public UsageException(String message) {
        super(message);
    }
}
