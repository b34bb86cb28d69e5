package dev.gitopsagent;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which left-behind files are removed: those written before the moment the caller knew nothing was updating the repository. */
class GitLockFilesTest {

    @TempDir
    Path repository;

    @Test
    void removesALockWrittenJustBeforeTheMomentTakenEvenInTheSameMillisecond() throws Exception {
        // Cut to the millisecond, the moment came before nearly every such lock's modification time, and the lock was kept.
        for (int attempt = 0; attempt < 1000; attempt++) {
            Path lock = Files.createFile(repository.resolve("shallow.lock"));
            FileTime taken = GitLockFiles.now();

            assertThat(GitLockFiles.removeUnlessNewer(lock, taken)).as("attempt %d", attempt).isPresent();
            assertThat(lock).doesNotExist();
        }
    }

    @Test
    void keepsALockWrittenAfterTheMomentTaken() throws Exception {
        FileTime taken = GitLockFiles.now();
        Path lock = Files.createFile(repository.resolve("shallow.lock"));
        Files.setLastModifiedTime(lock, FileTime.from(taken.toInstant().plusMillis(1)));

        assertThat(GitLockFiles.removeUnlessNewer(lock, taken)).isEmpty();
        assertThat(lock).exists();
    }
}
