package dev.gitopsagent.bench;

/** What one run of an operation cost: wall-clock and CPU time in nanoseconds, bytes both ways on the wire. */
public record Cost(long wallNanos, long cpuNanos, long wireBytes) {

    public Cost withWireBytes(long bytes) {
        return new Cost(wallNanos, cpuNanos, bytes);
    }
}
