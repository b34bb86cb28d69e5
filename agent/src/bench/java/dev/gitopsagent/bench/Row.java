package dev.gitopsagent.bench;

import java.util.Locale;

/** One line of the results table, already formatted; blank cells are "-". */
public record Row(String benchmark, String subject, String runs, String median, String p95, String cpu, String note) {

    /** Wall time median/p95 and median CPU of repeated runs. */
    public static Row timing(String benchmark, String subject, CostSeries series, String note) {
        return new Row(benchmark, subject, String.valueOf(series.count()),
                millis(series.wallMillis().median()), millis(series.wallMillis().p95()), millis(series.cpuMillis().median()), note);
    }

    /** A figure that is not a time series, e.g. a rate or a memory size. */
    public static Row figure(String benchmark, String subject, int runs, String median, String p95, String note) {
        return new Row(benchmark, subject, String.valueOf(runs), median, p95, "-", note);
    }

    public static String millis(double millis) {
        if (millis >= 10_000) {
            return String.format(Locale.ROOT, "%.1f s", millis / 1000);
        }
        return millis >= 100 ? String.format(Locale.ROOT, "%.0f ms", millis) : String.format(Locale.ROOT, "%.1f ms", millis);
    }

    public static String bytes(double bytes) {
        if (bytes >= 1 << 20) {
            return String.format(Locale.ROOT, "%.1f MiB", bytes / (1 << 20));
        }
        if (bytes >= 10 * 1024) {
            return String.format(Locale.ROOT, "%.1f KiB", bytes / 1024);
        }
        return String.format(Locale.ROOT, "%.0f B", bytes);
    }

    public static String mebibytes(double bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / (1 << 20));
    }
}
