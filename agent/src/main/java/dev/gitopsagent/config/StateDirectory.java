package dev.gitopsagent.config;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The agent's state directory, created, checked for writing and locked once at startup. The lock
 * (on {@code agent.lock}, held for the life of the process, released by the kernel when it dies)
 * keeps a second agent on the same directory from running beside the first and deploying too.
 */
public final class StateDirectory implements AutoCloseable {

    private static final String LOCK_FILE = "agent.lock";

    private final Path path;
    private final FileChannel lockChannel;

    private StateDirectory(Path path, FileChannel lockChannel) {
        this.path = path;
        this.lockChannel = lockChannel;
    }

    public static StateDirectory prepare(AgentConfig config) {
        Path dir = config.stateDir();
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new InvalidConfigException("gitops.state-dir", "names " + dir + ", which cannot be created: " + e.getMessage());
        }
        if (!Files.isWritable(dir)) {
            throw new InvalidConfigException("gitops.state-dir", "names " + dir + ", which is not writable");
        }
        return new StateDirectory(dir, lock(dir));
    }

    private static FileChannel lock(Path dir) {
        Path file = dir.resolve(LOCK_FILE);
        FileChannel channel = null;
        try {
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                String holder = new String(Files.readAllBytes(file), StandardCharsets.UTF_8).strip();
                channel.close();
                throw new InvalidConfigException("gitops.state-dir", "names " + dir + ", which another gitops-agent is using"
                        + (holder.isEmpty() ? "" : " (" + holder + ")") + ": stop it, or give this one a state directory of its own");
            }
            channel.truncate(0);
            channel.write(ByteBuffer.wrap(("pid " + ProcessHandle.current().pid()).getBytes(StandardCharsets.UTF_8)), 0);
            return channel;
        } catch (IOException e) {
            closeQuietly(channel);
            throw new InvalidConfigException("gitops.state-dir", "names " + dir + ", which cannot be locked: " + e.getMessage());
        }
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // already failing with the reason that matters
            }
        }
    }

    public Path path() {
        return path;
    }

    public Path resolve(String name) {
        return path.resolve(name);
    }

    /** Releases the lock; the process ending does the same. */
    @Override
    public void close() {
        closeQuietly(lockChannel);
    }
}
