package dev.gitopsagent.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * Repeated runs of one operation by one client against {@link NginxGitServer}: the client's wall
 * and CPU time, what the server spent on it, and the machine's 1-minute load average at the time.
 */
final class ServerSeries {

    private final List<Cost> client = new ArrayList<>();
    private final List<NginxGitServer.Load> server = new ArrayList<>();
    private final List<Double> load = new ArrayList<>();

    void add(Cost cost, NginxGitServer.Load served) {
        client.add(cost);
        server.add(served);
        load.add(ProcStat.load1());
    }

    int count() {
        return client.size();
    }

    Samples wallMillis() {
        return Samples.of(client.stream().map(cost -> cost.wallNanos() / 1e6).toList());
    }

    Samples cpuMillis() {
        return Samples.of(client.stream().map(cost -> cost.cpuNanos() / 1e6).toList());
    }

    /** Mean, not median: each run's server CPU is a whole number of 10 ms clock ticks. */
    double serverCpuMeanMillis() {
        return server.stream().mapToDouble(NginxGitServer.Load::cpuMillis).average().orElse(Double.NaN);
    }

    Samples requests() {
        return Samples.of(server.stream().map(load -> (double) load.requests()).toList());
    }

    Samples bytes() {
        return Samples.of(server.stream().map(load -> (double) load.bytes()).toList());
    }

    Samples loadAverage() {
        return Samples.of(load);
    }
}
