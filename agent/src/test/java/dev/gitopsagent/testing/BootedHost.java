package dev.gitopsagent.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A Debian 13 host booted with systemd as PID 1 in {@code systemd-nspawn}: systemd 257, the Nix
 * daemon (Debian's nix-bin and nix-setup-systemd, Nix 2.26), a JRE and git, from Debian packages
 * only. The root file system is made once with {@code debootstrap} (src/test/resources/real-host/make-rootfs)
 * and cached at {@link #ROOTFS}; it is made again when missing or when that script changed. The host
 * runs on an overlay of it whose upper layer is in the work directory, so the cache stays as made and
 * the host's disk outlives a reboot ({@link #awaitPowerOff}, {@link #bootAgain}) until {@link #close}.
 *
 * <p>The container shares the machine's network namespace: a {@link GitHttpServer} on loopback and
 * the agent's HTTP port are reachable from both sides. Needs root, {@code systemd-nspawn}
 * (systemd-container), {@code debootstrap} and {@code nsenter} (util-linux).
 */
public final class BootedHost implements AutoCloseable {

    /** The cached root file system; {@code -Dreal-host.rootfs=DIR} puts it elsewhere. */
    public static final Path ROOTFS = Path.of(System.getProperty("real-host.rootfs", "/var/cache/gitops-agent-test/trixie"));

    private static final String PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    /** systemd-nspawn's exit status when the container asked for a reboot (systemd-nspawn(1)). */
    public static final int REBOOTED = 133;

    private final Disk disk;
    private final List<String> command;
    private final Process nspawn;
    private final long leader;
    private final Path console;

    private BootedHost(Disk disk, List<String> command, Process nspawn, long leader, Path console) {
        this.disk = disk;
        this.command = command;
        this.nspawn = nspawn;
        this.leader = leader;
        this.console = console;
    }

    /** The host's root: an overlay mount of {@link #ROOTFS} with its changes kept under {@code dir}. */
    private record Disk(Path root, Path upper, Path work) {

        static Disk mount(Path dir) {
            try {
                Disk disk = new Disk(dir.resolve("root"), dir.resolve("upper"), dir.resolve("overlay-work"));
                for (Path path : List.of(disk.root, disk.upper, disk.work)) {
                    Files.createDirectories(path);
                }
                CommandLine.of("mount", "-t", "overlay", "overlay", "-o", "lowerdir=" + ROOTFS + ",upperdir=" + disk.upper
                        + ",workdir=" + disk.work, disk.root.toString()).run().orThrow();
                return disk;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        void unmount() {
            if (!CommandLine.of("umount", root.toString()).run().succeeded()) {
                CommandLine.of("umount", "--lazy", root.toString()).run().orThrow();
            }
        }
    }

    /**
     * Boots the cached root file system (making it first if needed) with the given host
     * directories bind-mounted read-only ({@code host path -> container path}) and waits until
     * systemd reports the system running.
     */
    public static BootedHost boot(Path work, String hostName, Map<Path, String> readOnlyBinds) {
        ensureRootfs(work);
        Disk disk = Disk.mount(work.resolve("disk"));
        List<String> command = new ArrayList<>(List.of("systemd-nspawn", "--register=no", "--keep-unit", "--boot", "--quiet",
                "--console=passive", "--directory=" + disk.root(), "--hostname=" + hostName));
        readOnlyBinds.forEach((host, container) -> command.add("--bind-ro=" + host.toAbsolutePath() + ":" + container));
        try {
            return start(disk, List.copyOf(command), work.resolve("console.log"));
        } catch (RuntimeException e) {
            disk.unmount();
            throw e;
        }
    }

    /** Boots the same host again, on the same disk, after it powered off or rebooted. */
    public BootedHost bootAgain() {
        if (nspawn.isAlive()) {
            throw new IllegalStateException("the host is still running");
        }
        return start(disk, command, console.resolveSibling(console.getFileName() + ".again"));
    }

    /**
     * Waits until the container's systemd-nspawn exits (a power-off, or {@link #REBOOTED}) and returns its
     * exit status; empty when it still runs after {@code timeout}.
     */
    public Optional<Integer> awaitPowerOff(Duration timeout) {
        try {
            return nspawn.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) ? Optional.of(nspawn.exitValue()) : Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public boolean isRunning() {
        return nspawn.isAlive();
    }

    private static BootedHost start(Disk disk, List<String> command, Path console) {
        try {
            Process nspawn = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(console.toFile()).start();
            BootedHost host = new BootedHost(disk, command, nspawn, awaitLeader(nspawn, console), console);
            ProcessResult running = host.exec("systemctl", "is-system-running", "--wait");
            // No answer or "offline": PID 1 has not opened its private bus yet.
            for (int tries = 0; (running.stdout().isBlank() || running.stdout().strip().equals("offline")) && tries < 120; tries++) {
                AgentProcess.sleep(500);
                running = host.exec("systemctl", "is-system-running", "--wait");
            }
            if (!running.stdout().strip().equals("running")) {
                String failed = host.exec("systemctl", "--failed", "--no-legend").stdout();
                host.powerOff();
                throw new IllegalStateException("the booted host is " + running.stdout().strip() + " " + running.stderr().strip()
                        + "; failed units:\n" + failed + "\nconsole:\n" + host.console());
            }
            return host;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The container's PID 1 is nspawn's child, once it has become systemd (it starts as a copy of nspawn). */
    private static long awaitLeader(Process nspawn, Path console) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            if (!nspawn.isAlive()) {
                throw new IllegalStateException("systemd-nspawn exited with " + nspawn.exitValue() + ":\n" + read(console));
            }
            Optional<ProcessHandle> child = nspawn.children().findFirst();
            if (child.isPresent() && child.get().info().command().filter(command -> command.endsWith("/systemd")).isPresent()) {
                return child.get().pid();
            }
            AgentProcess.sleep(100);
        }
        throw new IllegalStateException("systemd-nspawn started no container within 60 s:\n" + read(console));
    }

    /** Runs a command inside the container as root, in all its namespaces, with a clean environment. */
    public ProcessResult exec(String... command) {
        List<String> line = new ArrayList<>(List.of("nsenter", "--target=" + leader, "--mount", "--uts", "--ipc", "--net", "--pid",
                "--cgroup", "--", "env", "-i", PATH, "HOME=/root", "LANG=C.UTF-8"));
        line.addAll(List.of(command));
        return CommandLine.of(line).run();
    }

    public String execChecked(String... command) {
        return exec(command).orThrow().stdout();
    }

    /** {@code sh -c script} inside the container; fails with its output unless it exits with 0. */
    public String shell(String script) {
        return execChecked("sh", "-euc", script);
    }

    /** Copies a file of this machine into the container (through the nsenter pipe, as root). */
    public void copyIn(Path file, String target, String mode) {
        try {
            ProcessResult copied = CommandLine.of("nsenter", "--target=" + leader, "--mount", "--", "sh", "-euc",
                    "mkdir -p \"$(dirname \"$1\")\" && cat >\"$1\" && chmod \"$2\" \"$1\"", "copy-in", target, mode)
                    .stdin(Files.readString(file)).run();
            copied.orThrow();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A unit's journal since boot, for failure messages and assertions about what systemd did. */
    public String journal(String unit) {
        return exec("journalctl", "--no-pager", "-o", "cat", "-u", unit).stdout();
    }

    public String property(String unit, String property) {
        return execChecked("systemctl", "show", "--value", "-p", property, unit).strip();
    }

    /** Powers the container off (nspawn turns SIGTERM into a clean shutdown), waits for it and unmounts its disk. */
    @Override
    public void close() {
        powerOff();
        disk.unmount();
    }

    private void powerOff() {
        nspawn.destroy();
        try {
            if (!nspawn.waitFor(60, TimeUnit.SECONDS)) {
                nspawn.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Makes the root file system when it is missing or was made by another version of make-rootfs
     * (its SHA-256 is kept beside it). One maker at a time, across processes.
     */
    private static void ensureRootfs(Path work) {
        try {
            String script = TestResources.text("/real-host/make-rootfs");
            String version = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(script.getBytes()));
            Path stamp = ROOTFS.resolveSibling(ROOTFS.getFileName() + ".made-by");
            Files.createDirectories(ROOTFS.getParent());
            try (FileChannel lock = FileChannel.open(ROOTFS.resolveSibling(ROOTFS.getFileName() + ".lock"), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE); FileLock held = lock.lock()) {
                if (Files.isDirectory(ROOTFS) && Files.isRegularFile(stamp) && Files.readString(stamp).strip().equals(version)) {
                    return;
                }
                Path maker = work.resolve("make-rootfs");
                Files.writeString(maker, script);
                Files.setPosixFilePermissions(maker, PosixFilePermissions.fromString("rwx------"));
                Path log = work.resolve("make-rootfs.log");
                Process make = new ProcessBuilder("bash", maker.toString(), ROOTFS.toString()).redirectErrorStream(true)
                        .redirectOutput(log.toFile()).start();
                if (!make.waitFor(30, TimeUnit.MINUTES) || make.exitValue() != 0) {
                    make.destroyForcibly();
                    throw new IllegalStateException("make-rootfs failed; last lines of " + log + ":\n" + tail(read(log), 30));
                }
                Files.writeString(stamp, version + "\n");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * A path of the container's file system as this machine sees it (through {@code /proc/PID/root}),
     * for a server that runs here and serves what the container wrote.
     */
    public Path file(String absolutePath) {
        return Path.of("/proc", Long.toString(leader), "root").resolve(Path.of("/").relativize(Path.of(absolutePath)));
    }

    public String console() {
        return read(console);
    }

    private static String tail(String text, int lines) {
        List<String> all = text.lines().toList();
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
