package dev.gitopsagent.bench;

/** What one run of an operation cost: wall-clock and CPU time in nanoseconds. */
public record Cost(long wallNanos, long cpuNanos) {
}
