package dev.gitopsagent.bench;

/** Reads values out of the agent's /q/metrics page (Prometheus text format). */
final class PrometheusText {

    private PrometheusText() {
    }

    /** The sum of every sample whose name and labels start with {@code prefix}, e.g. {@code jvm_memory_used_bytes{area="heap"}. */
    static double sum(String page, String prefix) {
        double total = 0;
        for (String line : page.split("\n")) {
            if (line.startsWith(prefix)) {
                String[] parts = line.trim().split("\\s+");
                total += Double.parseDouble(parts[parts.length - 1]);
            }
        }
        return total;
    }
}
