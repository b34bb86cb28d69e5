package dev.gitopsagent.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Checks and reads the files configuration keys point at, failing with the key's name. */
public final class ConfigFiles {

    private ConfigFiles() {
    }

    public static Path requireReadable(Path file, String key) {
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw new InvalidConfigException(key, "names " + file + ", which is not a readable file");
        }
        return file;
    }

    /** A secret kept in a file of its own (token, HMAC key), without surrounding whitespace. */
    public static String readSecret(Path file, String key) {
        requireReadable(file, key);
        try {
            String secret = Files.readString(file).strip();
            if (secret.isEmpty()) {
                throw new InvalidConfigException(key, "names " + file + ", which is empty");
            }
            return secret;
        } catch (IOException e) {
            throw new InvalidConfigException(key, "names " + file + ", which cannot be read: " + e.getMessage());
        }
    }
}
