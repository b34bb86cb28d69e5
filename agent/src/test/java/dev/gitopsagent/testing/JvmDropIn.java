package dev.gitopsagent.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The JVM options and environment of the JVM unit's drop-in ({@code systemd/jvm/20-jvm.conf}), read from the file
 * itself, so that tests and benchmarks run the agent's JVM as an installed host does.
 */
public record JvmDropIn(List<String> options, Map<String, String> environment) {

    /** The drop-in of this source tree, from the {@code agent} module's directory (where Maven runs tests). */
    public static final Path OF_THIS_TREE = Path.of("..", "systemd", "jvm", "20-jvm.conf");

    /** The words of {@code ExecStart=/...} between the java binary and {@code -jar}, and each {@code Environment=KEY=VALUE}. */
    public static JvmDropIn read(Path dropIn) {
        try {
            List<String> lines = Files.readAllLines(dropIn);
            String execStart = lines.stream().filter(line -> line.startsWith("ExecStart=/")).findFirst()
                    .orElseThrow(() -> new IllegalStateException(dropIn + " has no ExecStart=/... line"));
            List<String> words = List.of(execStart.substring("ExecStart=".length()).split(" +"));
            int jar = words.indexOf("-jar");
            if (jar < 1) {
                throw new IllegalStateException(dropIn + ": ExecStart= runs no -jar: " + execStart);
            }
            Map<String, String> environment = new LinkedHashMap<>();
            for (String line : lines) {
                if (line.startsWith("Environment=")) {
                    String[] pair = line.substring("Environment=".length()).split("=", 2);
                    if (pair.length != 2 || line.contains("\"") || line.contains(" ")) {
                        throw new IllegalStateException(dropIn + ": not a plain Environment=KEY=VALUE line: " + line);
                    }
                    environment.put(pair[0], pair[1]);
                }
            }
            return new JvmDropIn(List.copyOf(words.subList(1, jar)), Map.copyOf(environment));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the JVM unit's options from " + dropIn.toAbsolutePath(), e);
        }
    }
}
