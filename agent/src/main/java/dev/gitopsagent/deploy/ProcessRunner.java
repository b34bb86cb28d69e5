package dev.gitopsagent.deploy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;

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

        public String describeFailure() {
            if (timedOut) {
                return "killed after " + duration.toSeconds() + "s (gitops.deploy.timeout)";
            }
            return "exited with code " + exitCode;
        }
    }

    private final int tailLines;

    public ProcessRunner(int tailLines) {
        this.tailLines = tailLines;
    }

    public Result run(List<String> command, Path workingDirectory, Duration timeout) throws IOException, InterruptedException {
        long started = System.nanoTime();
        Process process = new ProcessBuilder(command)
                .directory(workingDirectory.toFile())
                .redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .start();
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
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                LOG.info(line);
                synchronized (tail) {
                    if (tail.size() == tailLines) {
                        tail.removeFirst();
                    }
                    tail.addLast(line);
                }
            }
        } catch (IOException e) {
            LOG.debugf("output of process %d ended: %s", process.pid(), e.getMessage());
        }
    }

    /** The tree is listed before the root dies: afterwards its children are re-parented and out of reach. */
    private static void killTree(ProcessHandle root) {
        List<ProcessHandle> tree = root.descendants().toList();
        root.destroyForcibly();
        tree.forEach(ProcessHandle::destroyForcibly);
    }
}
