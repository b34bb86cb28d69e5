package dev.gitopsagent.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import dev.gitopsagent.FileTrees;

/** File chores of the benchmark: fresh working folders and secret files the agent accepts. */
final class WorkDirs {

    private WorkDirs() {
    }

    static Path fresh(Path directory) throws IOException {
        FileTrees.deleteRecursively(directory);
        return Files.createDirectories(directory);
    }

    /** A file only its owner may read, as the agent requires for tokens and webhook secrets. */
    static Path secret(Path file, String content) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, content);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return file;
    }
}
