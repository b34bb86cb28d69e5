package dev.gitopsagent.bench;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import dev.gitopsagent.testing.JvmDropIn;

/** A named set of JVM options (and environment variables) to run the packaged agent with. */
record JvmProfile(String name, List<String> options, Map<String, String> environment) {

    static final JvmProfile DEFAULTS = new JvmProfile("JVM defaults", List.of(), Map.of());

    /**
     * The options and environment of the JVM unit, {@code systemd/jvm/20-jvm.conf} (whose comments say why each is
     * there), read from the drop-in itself so that the benchmark runs the agent as an installed host does.
     */
    static final JvmProfile RECOMMENDED = recommended(Path.of(System.getProperty("bench.jvmUnit", JvmDropIn.OF_THIS_TREE.toString())));

    private static JvmProfile recommended(Path dropIn) {
        JvmDropIn unit = JvmDropIn.read(dropIn);
        return new JvmProfile("recommended", unit.options(), unit.environment());
    }

    String describe() {
        String env = environment.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue() + " ").reduce("", String::concat);
        return options.isEmpty() && env.isEmpty() ? "(no options)" : env + String.join(" ", options);
    }
}
