package dev.gitopsagent.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where a process's resident memory is, from {@code /proc/<pid>/smaps}: the executable's own pages
 * by permission (code, read-only data and image heap, writable image heap), anonymous memory (Java
 * heap, malloc, thread stacks) and other files (shared libraries, locale).
 */
final class Smaps {

    private static final Pattern MAPPING = Pattern.compile("^[0-9a-f]+-[0-9a-f]+ (\\S{4}) \\S+ \\S+ \\S+\\s*(.*)$");

    private Smaps() {
    }

    /** Resident kibibytes per part, in a fixed order. */
    static Map<String, Long> residentKib(long pid) throws IOException {
        Path executable = Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "exe"));
        Map<String, Long> parts = new LinkedHashMap<>();
        for (String part : new String[] {"executable r-x (code)", "executable r-- (read-only image heap, data)",
            "executable rw- (writable image heap)", "anonymous (heap, malloc, stacks)", "other files (libraries)"}) {
            parts.put(part, 0L);
        }
        String part = null;
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "smaps"))) {
            Matcher mapping = MAPPING.matcher(line);
            if (mapping.matches()) {
                String permissions = mapping.group(1);
                String file = mapping.group(2);
                if (file.equals(executable.toString())) {
                    part = permissions.startsWith("r-x") ? "executable r-x (code)"
                            : permissions.startsWith("rw") ? "executable rw- (writable image heap)" : "executable r-- (read-only image heap, data)";
                } else if (file.isEmpty() || file.startsWith("[")) {
                    part = "anonymous (heap, malloc, stacks)";
                } else {
                    part = "other files (libraries)";
                }
            } else if (line.startsWith("Rss:") && part != null) {
                parts.merge(part, Long.parseLong(line.replaceAll("\\D", "")), Long::sum);
            }
        }
        return parts;
    }

    /** One line for the report: each part and its resident MiB. */
    static String describe(Map<String, Long> parts) {
        StringBuilder text = new StringBuilder();
        parts.forEach((part, kib) -> text.append(text.isEmpty() ? "" : "; ").append(part).append(' ')
                .append(String.format(Locale.ROOT, "%.1f MiB", kib / 1024.0)));
        return text.toString();
    }
}
