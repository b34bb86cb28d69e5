package dev.gitopsagent.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A control group of our own that counts, to the nanosecond, the CPU of every process started in it
 * and of all their descendants, reaped or not. fcgiwrap lets the kernel reap its CGI children, so
 * their CPU never reaches any parent's {@code cutime}: /proc alone under-counts the server.
 * Needs a writable cgroup v1 {@code cpuacct} hierarchy or a cgroup v2 mount (root, or delegation).
 */
final class CpuGroup implements AutoCloseable {

    private static final List<Path> HIERARCHIES = List.of(Path.of("/sys/fs/cgroup/cpuacct"), Path.of("/sys/fs/cgroup/unified"),
            Path.of("/sys/fs/cgroup"));

    private final Path directory;

    private CpuGroup(Path directory) {
        this.directory = directory;
    }

    /** A fresh group, or nothing when this machine does not let us create one. */
    static Optional<CpuGroup> create(String name) {
        for (Path hierarchy : HIERARCHIES) {
            Path directory = hierarchy.resolve(name + "-" + ProcessHandle.current().pid());
            try {
                if (!Files.exists(hierarchy.resolve("cgroup.procs"))) {
                    continue;
                }
                Files.createDirectories(directory);
                CpuGroup group = new CpuGroup(directory);
                group.usageNanos();
                return Optional.of(group);
            } catch (IOException | RuntimeException e) {
                try {
                    Files.deleteIfExists(directory);
                } catch (IOException ignored) {
                    // not ours to clean
                }
            }
        }
        return Optional.empty();
    }

    /** The command, started so that it (and whatever it starts) runs in this group. */
    List<String> wrap(List<String> command) {
        List<String> wrapped = new ArrayList<>(List.of("sh", "-c", "echo $$ > \"$0\" && exec \"$@\"", directory.resolve("cgroup.procs").toString()));
        wrapped.addAll(command);
        return wrapped;
    }

    /** CPU used by the group's processes since it was created. */
    long usageNanos() {
        try {
            Path v1 = directory.resolve("cpuacct.usage");
            if (Files.exists(v1)) {
                return Long.parseLong(Files.readString(v1).trim());
            }
            for (String line : Files.readAllLines(directory.resolve("cpu.stat"))) {
                if (line.startsWith("usage_usec ")) {
                    return Long.parseLong(line.substring("usage_usec ".length()).trim()) * 1000;
                }
            }
            throw new IllegalStateException("no CPU usage in " + directory);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Removes the group; its processes must have exited. */
    @Override
    public void close() {
        for (int attempt = 0; attempt < 50; attempt++) {
            try {
                Files.deleteIfExists(directory);
                return;
            } catch (IOException e) {
                try {
                    Thread.sleep(100);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }
}
