package dev.gitopsagent.state;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import dev.gitopsagent.FileTrees;

/**
 * The last commit deployed from the main branch, kept in a file outside the state directory
 * ({@code gitops.trust.high-water-mark}). New deployments must descend from it when the state file is
 * gone, so losing or resetting the state directory does not re-open rollback, also on a host whose
 * running system does not name its commit. Only ever moves forward along the branch, because every
 * deployment it records descended from the one before. Written atomically.
 */
public final class HighWaterMark {

    private final Path file;

    public HighWaterMark(Path file) {
        this.file = file;
    }

    public Path file() {
        return file;
    }

    /** The recorded commit; absent before the first deployment. A file that does not hold one is an error, not a reset. */
    public Optional<String> commit() throws IOException {
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        String text = Files.readString(file, StandardCharsets.US_ASCII).strip();
        if (!text.matches("[0-9a-f]{40}")) {
            throw new IOException("the high-water mark " + file + " (gitops.trust.high-water-mark) does not hold a commit id;"
                    + " restore it, or delete it to fall back to the running system and gitops.trust.root-commit");
        }
        return Optional.of(text);
    }

    public void record(String commit) throws IOException {
        Files.createDirectories(file.getParent());
        FileTrees.writeLineAtomically(file, commit);
    }
}
