package dev.gitopsagent.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Installs the {@code nixos-rebuild} test double (src/test/resources/nixos-rebuild-double/nixos-rebuild) into a
 * directory and reads back the state it keeps there: generations, the current system, the invocation log.
 *
 * <p>Layout under {@code dir}: {@code bin/nixos-rebuild} plus {@code bin/double.env} (which points the script at
 * {@code dir}), {@code store/}, {@code profiles/system[-N-link]}, {@code current-system}, {@code invocations.log}.
 * The script finds its state through double.env, not environment variables, because the agent under test
 * inherits the test JVM's environment.
 */
public final class NixosRebuildDouble implements AutoCloseable {

    private static final String RESOURCE = "/nixos-rebuild-double/nixos-rebuild";
    private static final Pattern GENERATION_LINK = Pattern.compile("system-(\\d+)-link");

    private final Path root;

    private NixosRebuildDouble(Path root) {
        this.root = root;
    }

    public static NixosRebuildDouble install(Path dir) {
        try {
            Path root = dir.toAbsolutePath();
            Path bin = Files.createDirectories(root.resolve("bin"));
            Path executable = bin.resolve("nixos-rebuild");
            try (InputStream script = NixosRebuildDouble.class.getResourceAsStream(RESOURCE)) {
                if (script == null) {
                    throw new IllegalStateException("test double missing from the classpath: " + RESOURCE);
                }
                Files.copy(script, executable);
            }
            Files.setPosixFilePermissions(executable, PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.writeString(bin.resolve("double.env"), "DOUBLE_ROOT='" + root + "'\n");
            Files.createDirectories(root.resolve("store"));
            Files.createDirectories(root.resolve("profiles"));
            return new NixosRebuildDouble(root);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The script to configure as the agent's nixos-rebuild command. */
    public Path executable() {
        return root.resolve("bin/nixos-rebuild");
    }

    public Path root() {
        return root;
    }

    /** Where fake system closures are created. */
    public Path storeDir() {
        return root.resolve("store");
    }

    /** Stand-in for /nix/var/nix/profiles/system: a relative link to {@code system-<N>-link}. */
    public Path systemProfile() {
        return root.resolve("profiles/system");
    }

    /** Stand-in for /run/current-system: a link to a store path. */
    public Path currentSystem() {
        return root.resolve("current-system");
    }

    /** One entry per call, {@code nixos-rebuild <args joined by spaces>}, oldest first. */
    public List<String> invocations() {
        Path log = root.resolve("invocations.log");
        try {
            return Files.exists(log) ? Files.readAllLines(log) : List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The generation the system profile points at, 0 before the first switch/boot. */
    public int currentGeneration() {
        Path profile = systemProfile();
        if (!Files.isSymbolicLink(profile)) {
            return 0;
        }
        try {
            Matcher matcher = GENERATION_LINK.matcher(Files.readSymbolicLink(profile).getFileName().toString());
            return matcher.matches() ? Integer.parseInt(matcher.group(1)) : 0;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** All generation numbers, ascending. */
    public List<Integer> generations() {
        try (Stream<Path> links = Files.list(root.resolve("profiles"))) {
            return links.map(link -> GENERATION_LINK.matcher(link.getFileName().toString()))
                    .filter(Matcher::matches)
                    .map(matcher -> Integer.parseInt(matcher.group(1)))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The store path a generation points at. */
    public Path generationSystem(int generation) {
        try {
            return Files.readSymbolicLink(root.resolve("profiles/system-" + generation + "-link"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The revision of the running system (current-system/etc/gitops-agent/revision), empty before any switch/test. */
    public Optional<String> runningRevision() {
        return revisionOf(currentSystem());
    }

    /** The revision the system profile's generation was built from (what a reboot would run). */
    public Optional<String> bootRevision() {
        return revisionOf(systemProfile());
    }

    /** Runs the double directly (e.g. to prepare a previous generation); {@code cwd} receives a {@code result} link on build. */
    public ProcessResult run(Path cwd, String... args) {
        List<String> command = new ArrayList<>();
        command.add(executable().toString());
        command.addAll(List.of(args));
        return CommandLine.of(command).in(cwd).run();
    }

    /**
     * Kills builds still running from this double (e.g. a slow build whose parent the test abandoned), so no
     * {@code sleep} children outlive the test. Only PIDs the script recorded are touched, and only if they still
     * run the script or its sleep.
     */
    @Override
    public void close() {
        Path pids = root.resolve("running.pids");
        if (!Files.exists(pids)) {
            return;
        }
        try {
            for (String line : Files.readAllLines(pids)) {
                if (line.isBlank()) {
                    continue;
                }
                ProcessHandle.of(Long.parseLong(line.trim()))
                        .filter(this::startedByThisDouble)
                        .ifPresent(ProcessHandle::destroyForcibly);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private boolean startedByThisDouble(ProcessHandle process) {
        String commandLine = process.info().commandLine().orElse("");
        return commandLine.contains(executable().toString())
                || commandLine.startsWith("sleep ") || commandLine.contains("/sleep ");
    }

    private static Optional<String> revisionOf(Path system) {
        Path revision = system.resolve("etc/gitops-agent/revision");
        try {
            if (!Files.exists(system, LinkOption.NOFOLLOW_LINKS) || !Files.isRegularFile(revision)) {
                return Optional.empty();
            }
            return Optional.of(Files.readString(revision));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
