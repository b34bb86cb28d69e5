package dev.gitopsagent.bench;

import java.util.ArrayList;
import java.util.List;

/** The costs of repeated runs of one operation by one subject (the agent, git ls-remote, ...). */
public final class CostSeries {

    private final List<Cost> runs = new ArrayList<>();

    public void add(Cost cost) {
        runs.add(cost);
    }

    public int count() {
        return runs.size();
    }

    public Samples wallMillis() {
        return Samples.of(runs.stream().map(cost -> cost.wallNanos() / 1e6).toList());
    }

    public Samples cpuMillis() {
        return Samples.of(runs.stream().map(cost -> cost.cpuNanos() / 1e6).toList());
    }
}
