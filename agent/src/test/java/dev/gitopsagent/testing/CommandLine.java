package dev.gitopsagent.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs one real external command (git, gpg, ssh-keygen, the nixos-rebuild double) and captures its output.
 *
 * <p>The environment is built from scratch on purpose: the test JVM may run inside a developer shell with
 * GIT_DIR, GNUPGHOME or SSH_AUTH_SOCK set, and a test must never pick those up (or touch ~/.gnupg, ~/.ssh).
 */
public final class CommandLine {

    private Duration timeout = Duration.ofSeconds(60);

    private final List<String> command;
    private final Map<String, String> environment = new LinkedHashMap<>();
    private Path workingDirectory;
    private byte[] stdin = new byte[0];

    private CommandLine(List<String> command) {
        this.command = List.copyOf(command);
        environment.put("PATH", System.getenv().getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin"));
        environment.put("LANG", "C.UTF-8");
        environment.put("LC_ALL", "C.UTF-8");
    }

    public static CommandLine of(String... command) {
        return new CommandLine(List.of(command));
    }

    public static CommandLine of(List<String> command) {
        return new CommandLine(command);
    }

    public CommandLine env(String name, String value) {
        environment.put(name, value);
        return this;
    }

    public CommandLine env(Map<String, String> values) {
        environment.putAll(values);
        return this;
    }

    public CommandLine in(Path directory) {
        this.workingDirectory = directory;
        return this;
    }

    /** A browser or Prometheus on a loaded machine needs longer than the 60 s default. */
    public CommandLine timeout(Duration limit) {
        this.timeout = limit;
        return this;
    }

    public CommandLine stdin(String input) {
        this.stdin = input.getBytes(StandardCharsets.UTF_8);
        return this;
    }

    /** Runs the command and returns whatever happened, failing only if it cannot be started or hangs. */
    public ProcessResult run() {
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().clear();
        builder.environment().putAll(environment);
        if (workingDirectory != null) {
            builder.directory(workingDirectory.toFile());
        }
        try {
            Process process = builder.start();
            CompletableFuture<String> out = readAsync(process.getInputStream());
            CompletableFuture<String> err = readAsync(process.getErrorStream());
            try (var in = process.getOutputStream()) {
                in.write(stdin);
            } catch (IOException ignored) {
                // the command did not read its stdin; that is fine
            }
            if (!process.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                throw new IllegalStateException("command timed out after " + timeout + ": " + command);
            }
            return new ProcessResult(command, process.exitValue(), out.join(), err.join());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + command, e);
        }
    }

    /** Runs the command and throws, with stderr in the message, unless it exits 0. */
    public ProcessResult runChecked() {
        return run().orThrow();
    }

    private static CompletableFuture<String> readAsync(InputStream stream) {
        return CompletableFuture.supplyAsync(() -> {
            try (stream) {
                ByteArrayOutputStream buffer = new ByteArrayOutputStream();
                stream.transferTo(buffer);
                return buffer.toString(StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, command -> {
            Thread thread = new Thread(command, "process-output-reader");
            thread.setDaemon(true);
            thread.start();
        });
    }
}
