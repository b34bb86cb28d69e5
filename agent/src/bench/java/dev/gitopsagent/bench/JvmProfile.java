package dev.gitopsagent.bench;

import java.util.List;

/** A named set of JVM options to run the packaged agent with. */
record JvmProfile(String name, List<String> options) {

    static final JvmProfile DEFAULTS = new JvmProfile("JVM defaults", List.of());

    /**
     * Small fixed heap, serial GC (no concurrent GC threads or large remembered sets), C1 only
     * (smaller code cache and compiler arenas; the agent idles), smaller thread stacks.
     */
    static final JvmProfile RECOMMENDED = new JvmProfile("recommended", List.of(
            "-Xmx64m", "-Xms16m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:ReservedCodeCacheSize=32m",
            "-XX:MaxMetaspaceSize=128m", "-Xss512k", "-XX:CICompilerCount=1"));

    String describe() {
        return options.isEmpty() ? "(no options)" : String.join(" ", options);
    }
}
