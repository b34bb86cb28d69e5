package dev.gitopsagent.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;

/** Checks and reads the files configuration keys point at, failing with the key's name. */
public final class ConfigFiles {

    /** Any of these on a secret lets another local user read it or replace it with their own. */
    private static final Set<PosixFilePermission> SHARED = EnumSet.of(PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE);

    private ConfigFiles() {
    }

    public static Path requireReadable(Path file, String key) {
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw new InvalidConfigException(key, "names " + file + ", which is not a readable file");
        }
        return file;
    }

    /**
     * A secret (token, HMAC key): its content without surrounding whitespace, from a file that only
     * the agent's user can read or write. Symbolic links are followed first (agenix links
     * {@code /run/agenix/x} to the current generation), so the file actually read is the one checked.
     */
    public static String readOwnerOnlySecret(Path file, String key) {
        Path real = requireOwnerOnly(file, key);
        try {
            String secret = Files.readString(real).strip();
            if (secret.isEmpty()) {
                throw new InvalidConfigException(key, "names " + describe(file, real) + ", which is empty");
            }
            return secret;
        } catch (IOException e) {
            throw new InvalidConfigException(key, "names " + describe(file, real) + ", which cannot be read: " + e.getMessage());
        }
    }

    /**
     * A file only the agent's user may read or write (a secret, a private key): owned by that user,
     * no group or other permission bits for reading or writing. Returns the file with links resolved.
     */
    public static Path requireOwnerOnly(Path file, String key) {
        Path real;
        try {
            real = file.toRealPath();
        } catch (NoSuchFileException e) {
            throw new InvalidConfigException(key, "names " + file + ", which does not exist");
        } catch (IOException e) {
            throw new InvalidConfigException(key, "names " + file + ", which cannot be resolved: " + e.getMessage());
        }
        requireReadable(real, key);
        try {
            Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(real);
            if (permissions.stream().anyMatch(SHARED::contains)) {
                throw new InvalidConfigException(key, "names " + describe(file, real) + ", which has mode "
                        + PosixFilePermissions.toString(permissions) + ": other users can read or change it; make it"
                        + " readable and writable by its owner only (chmod 600 or 400)");
            }
            String owner = Files.getOwner(real).getName();
            String agentUser = System.getProperty("user.name");
            if (!owner.equals(agentUser)) {
                throw new InvalidConfigException(key, "names " + describe(file, real) + ", which is owned by " + owner
                        + ", not by " + agentUser + ", the user the agent runs as");
            }
        } catch (UnsupportedOperationException | IOException e) {
            throw new InvalidConfigException(key, "names " + describe(file, real) + ", whose owner and mode cannot be checked: " + e);
        }
        return real;
    }

    private static String describe(Path file, Path real) {
        return file.equals(real) ? file.toString() : file + " (-> " + real + ")";
    }
}
