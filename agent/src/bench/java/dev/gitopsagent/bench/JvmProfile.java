package dev.gitopsagent.bench;

import java.util.List;
import java.util.Map;

/** A named set of JVM options (and environment variables) to run the packaged agent with. */
record JvmProfile(String name, List<String> options, Map<String, String> environment) {

    static final JvmProfile DEFAULTS = new JvmProfile("JVM defaults", List.of(), Map.of());

    /**
     * Small heap, serial GC (no concurrent GC threads or large remembered sets), C1 only (smaller
     * code cache and compiler arenas; the agent idles), smaller thread stacks. A small young
     * generation and tight free ratios let the serial GC give heap back after a collection;
     * TrimNativeHeapInterval returns freed malloc memory to the OS, and MALLOC_ARENA_MAX=2 stops
     * glibc from keeping one 64 MiB arena per thread.
     */
    static final JvmProfile RECOMMENDED = new JvmProfile("recommended", List.of(
            "-Xmx64m", "-Xms16m", "-Xmn8m", "-XX:MinHeapFreeRatio=10", "-XX:MaxHeapFreeRatio=30", "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1", "-XX:ReservedCodeCacheSize=32m", "-XX:MaxMetaspaceSize=128m", "-Xss512k",
            "-XX:CICompilerCount=1", "-XX:TrimNativeHeapInterval=5000"),
            Map.of("MALLOC_ARENA_MAX", "2"));

    String describe() {
        String env = environment.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue() + " ").reduce("", String::concat);
        return options.isEmpty() && env.isEmpty() ? "(no options)" : env + String.join(" ", options);
    }
}
