package dev.gitopsagent.rollout;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

import dev.gitopsagent.config.InvalidConfigException;

/**
 * The windows activations may happen in ({@code gitops.deploy.windows}, separated by {@code ;}
 * because a window's weekday list uses commas); none configured means always. Several windows: open
 * when any of them is.
 */
public record MaintenanceWindows(List<MaintenanceWindow> windows) {

    public static final String KEY = "gitops.deploy.windows";

    public MaintenanceWindows {
        windows = List.copyOf(windows);
    }

    /** Parses the configured windows; a bad one stops startup naming the key and the window. */
    public static MaintenanceWindows parse(String texts) {
        return parse(texts, KEY);
    }

    /** The same syntax under another key (the reboot windows). */
    public static MaintenanceWindows parse(String texts, String key) {
        List<MaintenanceWindow> parsed = new ArrayList<>();
        for (String text : texts.split(";")) {
            if (text.isBlank()) {
                continue;
            }
            try {
                parsed.add(MaintenanceWindow.parse(text.trim()));
            } catch (IllegalArgumentException e) {
                throw new InvalidConfigException(key, e.getMessage());
            }
        }
        return new MaintenanceWindows(parsed);
    }

    /** When activation is not allowed at {@code at}: the next time a window opens; empty when one is open (or none is configured). */
    public Optional<Instant> closedUntil(Instant at) {
        if (windows.isEmpty() || windows.stream().anyMatch(window -> window.isOpen(at))) {
            return Optional.empty();
        }
        return windows.stream().map(window -> window.nextStart(at)).min(Comparator.naturalOrder());
    }

    /** The first moment from {@code at} on at which activation is allowed. */
    public Instant openFrom(Instant at) {
        return closedUntil(at).orElse(at);
    }

    public List<String> texts() {
        return windows.stream().map(MaintenanceWindow::text).toList();
    }

    public String describe() {
        return String.join("; ", texts());
    }
}
