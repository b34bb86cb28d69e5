package dev.gitopsagent.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.gitopsagent.testing.CommandLine;
import dev.gitopsagent.testing.ProcessResult;

/**
 * Times a git CLI command the way a shell user experiences it. A bash wrapper reads the clock
 * ({@code $EPOCHREALTIME}) right before and after the command, so the JVM's own process start is not
 * counted, and reports the children's CPU with {@code times} (getrusage of everything bash waited
 * for, i.e. git and its helpers such as git-remote-http, gpg or ssh-keygen), to the millisecond.
 */
public final class ShellTimer {

    private static final String WRAPPER = """
            s=$EPOCHREALTIME
            eval "$BENCH_SNIPPET" >/dev/null 2>"$BENCH_ERR"
            rc=$?
            e=$EPOCHREALTIME
            echo "$rc $s $e"
            times
            """;
    private static final Pattern TIMES = Pattern.compile("(\\d+)m([\\d.]+)s\\s+(\\d+)m([\\d.]+)s");

    private final Map<String, String> environment;
    private final Path errorFile;

    public ShellTimer(Map<String, String> environment, Path scratch) {
        this.environment = Map.copyOf(environment);
        this.errorFile = scratch.resolve("shell-timer.err");
    }

    /** Runs {@code snippet} (bash) in {@code directory}; throws with its stderr when it exits non-zero. */
    public Cost time(Path directory, String snippet) {
        ProcessResult result = CommandLine.of("bash", "-c", WRAPPER)
                .in(directory)
                .env(environment)
                .env("BENCH_SNIPPET", snippet)
                .env("BENCH_ERR", errorFile.toString())
                .run();
        String[] lines = result.stdout().strip().split("\n");
        String[] head = lines[0].trim().split(" ");
        if (!head[0].equals("0")) {
            throw new IllegalStateException("'" + snippet + "' exited " + head[0] + ": " + readError());
        }
        long wall = Math.round((Double.parseDouble(head[2]) - Double.parseDouble(head[1])) * 1e9);
        // times prints the shell's own user/sys first, then its children's.
        Matcher children = TIMES.matcher(lines[lines.length - 1]);
        if (!children.find()) {
            throw new IllegalStateException("unexpected output of times: " + result.stdout());
        }
        double cpuSeconds = minutes(children.group(1), children.group(2)) + minutes(children.group(3), children.group(4));
        return new Cost(wall, Math.round(cpuSeconds * 1e9));
    }

    private static double minutes(String minutes, String seconds) {
        return Integer.parseInt(minutes) * 60 + Double.parseDouble(seconds);
    }

    private String readError() {
        try {
            return java.nio.file.Files.readString(errorFile);
        } catch (java.io.IOException e) {
            return "(no stderr)";
        }
    }

    /** Quotes a word for bash. */
    public static String quote(String word) {
        return "'" + word.replace("'", "'\\''") + "'";
    }

    public static String command(String... words) {
        List<String> quoted = new ArrayList<>();
        for (String word : words) {
            quoted.add(quote(word));
        }
        return String.join(" ", quoted);
    }
}
