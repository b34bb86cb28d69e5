package dev.gitopsagent.bench;

import java.util.Locale;

/**
 * One line of the real-server table: min / median / max of wall and client CPU, the server's mean
 * CPU, requests and bytes per run (headers included), and the 1-minute load average during the runs.
 */
record ServerRow(String benchmark, String subject, int runs, String wall, String cpu, String serverCpu, String requests, String bytes,
        String load, String note) {

    static ServerRow of(String benchmark, String subject, ServerSeries series, String note) {
        return new ServerRow(benchmark, subject, series.count(), spread(series.wallMillis()), spread(series.cpuMillis()),
                Row.millis(series.serverCpuMeanMillis()), String.format(Locale.ROOT, "%.0f", series.requests().median()),
                Row.bytes(series.bytes().median()), loads(series.loadAverage()), note);
    }

    static String spread(Samples samples) {
        return Row.millis(samples.percentile(0)) + " / " + Row.millis(samples.median()) + " / " + Row.millis(samples.percentile(100));
    }

    private static String loads(Samples load) {
        return String.format(Locale.ROOT, "%.1f–%.1f", load.percentile(0), load.percentile(100));
    }
}
