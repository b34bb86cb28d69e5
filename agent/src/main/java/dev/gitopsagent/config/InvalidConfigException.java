package dev.gitopsagent.config;

/** A configuration value the agent cannot run with; the message names the key. */
public final class InvalidConfigException extends RuntimeException {
    private final String key;

    public InvalidConfigException(String key, String problem) {
        super(key + " " + problem);
        this.key = key;
    }

    public String key() {
        return key;
    }
}
