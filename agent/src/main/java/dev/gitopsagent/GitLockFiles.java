package dev.gitopsagent;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The lock files git and JGit leave in a bare repository when they are killed while updating it:
 * {@code <file>.lock}, made with O_EXCL and renamed over the file when the update is done. Until it
 * is removed, every later update of that file fails. They hold no process id, so whoever calls this
 * must know that nothing is updating the repository.
 */
public final class GitLockFiles {

    /** Where an update takes locks besides the repository's top: refs, and objects/info (commit-graph). */
    private static final List<String> LOCKED_TREES = List.of("refs", "objects/info");

    /** Ref names are short paths; nothing git writes for a fetch is deeper. */
    private static final int MAX_DEPTH = 16;

    private GitLockFiles() {
    }

    /** The lock files in {@code repository}; a symbolic link is never one, nor is anything it points to. */
    public static List<Path> in(Path repository) throws IOException {
        List<Path> locks = new ArrayList<>();
        try {
            try (Stream<Path> top = Files.list(repository)) {
                top.filter(GitLockFiles::isLockFile).forEach(locks::add);
            }
            for (String tree : LOCKED_TREES) {
                Path root = repository.resolve(tree);
                if (Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) {
                    try (Stream<Path> files = Files.walk(root, MAX_DEPTH)) {
                        files.filter(GitLockFiles::isLockFile).forEach(locks::add);
                    }
                }
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        return locks;
    }

    private static boolean isLockFile(Path path) {
        return path.getFileName().toString().endsWith(".lock") && Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS);
    }

    /**
     * This moment, to compare a file's modification time with: as precise as the clock gives it. Cut to the millisecond,
     * it came before the modification time of a file written in the same millisecond just before it (nearly every
     * time, on Linux), so that a lock written just before looked newer and was kept.
     */
    public static FileTime now() {
        return FileTime.from(Instant.now());
    }

    /**
     * Removes {@code file} (a lock, or another file a stopped git left) unless it was modified after
     * {@code notAfter} (then it may belong to an update that started since), and returns when it was
     * modified; empty when it was kept or is gone.
     */
    public static Optional<FileTime> removeUnlessNewer(Path file, FileTime notAfter) throws IOException {
        try {
            FileTime modified = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).lastModifiedTime();
            if (modified.compareTo(notAfter) > 0) {
                return Optional.empty();
            }
            Files.delete(file);
            return Optional.of(modified);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }
}
