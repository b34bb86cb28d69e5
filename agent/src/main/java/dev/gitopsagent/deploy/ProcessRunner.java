package dev.gitopsagent.deploy;

import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.jboss.logging.Logger;

/**
 * Runs one external command with a deadline, logging its output as it comes and keeping the
 * last lines for status. At the deadline the whole process tree is killed: nixos-rebuild leaves
 * nix and builder children behind otherwise.
 */
public final class ProcessRunner {

    private static final Logger LOG = Logger.getLogger(ProcessRunner.class);

    /** What a finished (or killed) command left behind. */
    public record Result(List<String> command, int exitCode, boolean timedOut, Duration duration, List<String> outputTail) {
        public boolean succeeded() {
            return exitCode == 0 && !timedOut;
        }

        /** Why a deployment command failed; its time limit is {@code gitops.deploy.timeout}. */
        public String describeFailure() {
            return describeFailure("gitops.deploy.timeout");
        }

        /** Why the command failed, naming where its time limit comes from when it was killed at it. */
        public String describeFailure(String timeLimit) {
            if (timedOut) {
                return "killed after " + duration.toSeconds() + "s (" + timeLimit + ")";
            }
            return "exited with code " + exitCode;
        }
    }

    /** The longest output line kept (log and status); the rest of a longer line is dropped as it arrives. */
    static final int MAX_LINE_CHARS = 8192;

    private final int tailLines;

    public ProcessRunner(int tailLines) {
        this.tailLines = tailLines;
    }

    public Result run(List<String> command, Path workingDirectory, Duration timeout) throws IOException, InterruptedException {
        return run(command, workingDirectory, timeout, Map.of());
    }

    /** The same, with {@code environment} added to the agent's own. */
    public Result run(List<String> command, Path workingDirectory, Duration timeout, Map<String, String> environment)
            throws IOException, InterruptedException {
        long started = System.nanoTime();
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(workingDirectory.toFile())
                .redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        builder.environment().putAll(environment);
        Process process = builder.start();
        Deque<String> tail = new ArrayDeque<>(tailLines);
        Thread reader = new Thread(() -> collect(process, tail), "output-" + process.pid());
        reader.setDaemon(true);
        reader.start();
        boolean finished = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (!finished) {
            LOG.warnf("%s still running after %s: killing its process tree", command.get(0), timeout);
            killTree(process.toHandle());
            process.waitFor();
        }
        reader.join(TimeUnit.SECONDS.toMillis(5));
        Duration duration = Duration.ofNanos(System.nanoTime() - started);
        synchronized (tail) {
            return new Result(List.copyOf(command), finished ? process.exitValue() : -1, !finished, duration, List.copyOf(tail));
        }
    }

    private void collect(Process process, Deque<String> tail) {
        try (Reader out = new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)) {
            BoundedLines lines = new BoundedLines(line -> {
                LOG.info(line);
                synchronized (tail) {
                    if (tail.size() == tailLines) {
                        tail.removeFirst();
                    }
                    tail.addLast(line);
                }
            });
            char[] buffer = new char[8192];
            int read;
            while ((read = out.read(buffer)) != -1) {
                lines.accept(buffer, read);
            }
            lines.finish();
        } catch (IOException e) {
            LOG.debugf("output of process %d ended: %s", process.pid(), e.getMessage());
        }
    }

    /**
     * Splits output into lines like {@link java.io.BufferedReader#readLine()} (\n, \r or \r\n), but
     * keeps at most {@link #MAX_LINE_CHARS} of each: a command that prints without newlines must not
     * grow the agent's memory. What is cut is counted on the line.
     */
    static final class BoundedLines {
        private final Consumer<String> sink;
        private final StringBuilder line = new StringBuilder();
        private long cut;
        private boolean afterCarriageReturn;

        BoundedLines(Consumer<String> sink) {
            this.sink = sink;
        }

        void accept(char[] chars, int length) {
            for (int i = 0; i < length; i++) {
                char c = chars[i];
                boolean secondHalfOfCrLf = c == '\n' && afterCarriageReturn;
                afterCarriageReturn = c == '\r';
                if (secondHalfOfCrLf) {
                    continue;
                }
                if (c == '\n' || c == '\r') {
                    emit();
                } else if (line.length() < MAX_LINE_CHARS) {
                    line.append(c);
                } else {
                    cut++;
                }
            }
        }

        void finish() {
            if (line.length() > 0 || cut > 0) {
                emit();
            }
        }

        private void emit() {
            sink.accept(cut == 0 ? line.toString() : line + " [" + cut + " more characters cut]");
            line.setLength(0);
            cut = 0;
        }
    }

    /** The tree is listed before the root dies: afterwards its children are re-parented and out of reach. */
    private static void killTree(ProcessHandle root) {
        List<ProcessHandle> tree = root.descendants().toList();
        root.destroyForcibly();
        tree.forEach(ProcessHandle::destroyForcibly);
    }
}
