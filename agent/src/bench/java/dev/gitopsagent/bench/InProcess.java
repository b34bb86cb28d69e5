package dev.gitopsagent.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * Times agent code running on the calling thread. CPU is that thread's CPU time: the git server
 * runs in this same JVM, so process CPU would count the server's work as the agent's.
 */
public final class InProcess {

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    /** An operation that may throw, e.g. agent I/O. */
    @FunctionalInterface
    public interface Operation {
        void run() throws Exception;
    }

    private InProcess() {
    }

    public static Cost measure(Operation operation) {
        long cpu = THREADS.getCurrentThreadCpuTime();
        long start = System.nanoTime();
        try {
            operation.run();
        } catch (Exception e) {
            throw new IllegalStateException("benchmarked operation failed", e);
        }
        long wall = System.nanoTime() - start;
        return new Cost(wall, THREADS.getCurrentThreadCpuTime() - cpu);
    }
}
