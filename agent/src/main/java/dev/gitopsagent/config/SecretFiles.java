package dev.gitopsagent.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;

/** Secrets that guard mutating endpoints must not be readable by other local users. */
public final class SecretFiles {

    private SecretFiles() {
    }

    public static String readPrivate(Path file, String key) {
        String secret = ConfigFiles.readSecret(file, key);
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
}
