package dev.gitopsagent.verify;

import java.util.List;

/** OpenSSH pattern lists (ssh_config(5) "PATTERNS"): {@code *} and {@code ?} wildcards, {@code !} negates. */
final class Patterns {

    private Patterns() {
    }

    /** True if some pattern matches and no negated pattern does. */
    static boolean matchesList(String value, List<String> patterns) {
        boolean matched = false;
        for (String pattern : patterns) {
            if (pattern.startsWith("!")) {
                if (matches(value, pattern.substring(1))) {
                    return false;
                }
            } else if (matches(value, pattern)) {
                matched = true;
            }
        }
        return matched;
    }

    static boolean matches(String value, String pattern) {
        return matches(value, 0, pattern, 0);
    }

    private static boolean matches(String value, int v, String pattern, int p) {
        while (p < pattern.length()) {
            char c = pattern.charAt(p);
            if (c == '*') {
                for (int i = v; i <= value.length(); i++) {
                    if (matches(value, i, pattern, p + 1)) {
                        return true;
                    }
                }
                return false;
            }
            if (v >= value.length() || (c != '?' && c != value.charAt(v))) {
                return false;
            }
            v++;
            p++;
        }
        return v == value.length();
    }
}
