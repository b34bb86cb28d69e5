package dev.gitopsagent.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;

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

    /**
     * A secret that guards something mutating (control token, webhook key, forge token): as
     * {@link #readSecret}, and the file must not be readable by other local users.
     */
    public static String readOwnerOnlySecret(Path file, String key) {
        String secret = readSecret(file, key);
        try {
            Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
            if (permissions.contains(PosixFilePermission.GROUP_READ) || permissions.contains(PosixFilePermission.OTHERS_READ)) {
                throw new InvalidConfigException(key, "names " + file + ", which other users can read: make it readable by its owner only (chmod 600)");
            }
        } catch (UnsupportedOperationException | IOException e) {
            // Not a POSIX file system: nothing to check.
        }
        return secret;
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
