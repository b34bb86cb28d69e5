package dev.gitopsagent.cli;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import com.fasterxml.jackson.databind.JsonNode;

import dev.gitopsagent.rollout.Wait;

/**
 * Turns the {@code GET /status} JSON into a short summary for a terminal. Works on the JSON tree rather
 * than {@code StatusReport} so that a CLI talking to an older or newer agent still prints what it can;
 * absent fields (the API omits nulls) are left out or shown as "none".
 */
public final class StatusFormatter {

    static final int SHORT_ID = 7;

    private final Instant now;

    public StatusFormatter(Instant now) {
        this.now = now;
    }

    public String format(JsonNode status) {
        List<String[]> rows = new ArrayList<>();
        rows.add(row("host", orUnknown(text(status, "host")) + " (" + orUnknown(text(status, "action")) + " from branch "
                + orUnknown(text(status, "branch")) + ")"));
        rows.add(row("repository", orUnknown(text(status, "repository")) + mirrors(status.path("mirrors"))));
        rows.add(row("phase", orUnknown(text(status, "phase"))));
        rows.add(row("deployments", suspension(status)));
        JsonNode rollout = status.path("rollout");
        if (rollout.isObject()) {
            rows.add(row("rollout", rollout(rollout)));
        }
        rows.add(row("remote head", remoteHead(status)));
        rows.add(row("deployed", deployed(status)));
        rows.add(row("running", running(status)));
        rows.add(row("last poll", lastPoll(status.path("lastPoll"))));
        rows.add(row("last decision", lastDecision(status.path("lastDecision"))));
        rows.add(row("last deploy", lastDeployment(status.path("lastDeployment"))));
        rows.add(row("last error", lastError(status.path("lastError"), text(status.path("lastDecision"), "reason"))));
        rows.add(row("next poll", nextPoll(status)));
        int width = rows.stream().mapToInt(r -> r[0].length()).max().orElse(0) + 2;
        StringBuilder out = new StringBuilder();
        for (String[] r : rows) {
            out.append(String.format(Locale.ROOT, "%-" + width + "s%s%n", r[0] + ":", r[1]));
        }
        return out.toString();
    }

    private String suspension(JsonNode status) {
        if (!status.path("suspended").asBoolean(false)) {
            return "active";
        }
        JsonNode suspension = status.path("suspension");
        StringBuilder text = new StringBuilder("SUSPENDED");
        String reason = text(suspension, "reason");
        if (reason != null) {
            text.append(": ").append(reason);
        }
        String since = ago(text(suspension, "since"));
        if (since != null) {
            text.append(" (since ").append(since).append(')');
        }
        if (text(suspension, "untilHeadMovesFrom") != null) {
            text.append("; resumes when the branch moves past ").append(shortId(text(suspension, "untilHeadMovesFrom")));
        } else {
            text.append("; run 'gitops-agent resume' to resume");
        }
        return text.toString();
    }

    /** The wave, then what the pending commit waits for and until when; the windows if any. */
    private String rollout(JsonNode rollout) {
        StringBuilder text = new StringBuilder("wave ").append(rollout.path("wave").asInt());
        if (rollout.path("waveDerived").asBoolean(false)) {
            text.append(" of ").append(rollout.path("waves").asInt()).append(" (from the host name)");
        }
        String waitingFor = text(rollout, "waitingFor");
        if (waitingFor != null) {
            text.append("; ").append(orUnknown(text(rollout, "waitReason")));
            Instant activates = instant(text(rollout, "activatesAt"));
            if (activates != null && !Wait.WINDOW.equals(waitingFor)) {
                Duration until = Duration.between(now, activates);
                text.append("; activates ").append(until.isNegative() || until.isZero() ? "now" : "in " + duration(until));
            }
        } else if (rollout.path("windows").isArray() && !rollout.path("windows").isEmpty()) {
            text.append(rollout.path("windowOpen").asBoolean(false) ? "; a maintenance window is open"
                    : "; next maintenance window at " + text(rollout, "nextWindow"));
        }
        if (text(rollout, "override") != null) {
            text.append("; operator override pending: ").append(text(rollout, "override"));
        }
        JsonNode reboot = rollout.path("rebootPending");
        if (reboot.isArray() && !reboot.isEmpty()) {
            List<String> changes = new ArrayList<>();
            reboot.forEach(change -> changes.add(change.asText()));
            text.append("; ").append(reboot(changes, text(rollout, "nextRebootWindow"), !rollout.path("rebootWindows").isEmpty(),
                    text(rollout, "rebootWaitsFor"), text(rollout, "rebootBlockedUntil")));
        }
        return text.toString();
    }

    /**
     * A pending reboot, when it can happen, and what holds it: the words of {@code gitops-agent status}
     * and of the status page alike.
     *
     * @param nextWindow   when the next reboot window opens; null while one is open or none is configured
     * @param waitsFor     {@code rollout.rebootWaitsFor}, or null when no other wave's slot holds the reboot
     * @param blockedUntil {@code rollout.rebootBlockedUntil}, with {@code waitsFor}
     */
    public static String reboot(List<String> changes, String nextWindow, boolean hasWindows, String waitsFor, String blockedUntil) {
        StringBuilder text = new StringBuilder("reboot pending (").append(String.join(", ", changes)).append(" changed)");
        text.append(nextWindow != null ? ", next reboot window at " + nextWindow
                : hasWindows ? ", reboot window open" : ", no reboot window: reboot by hand");
        if (waitsFor != null) {
            text.append("; ").append(waitsFor).append(", reboots at ").append(orUnknown(blockedUntil));
        }
        return text.toString();
    }

    private static String remoteHead(JsonNode status) {
        String head = text(status, "remoteHead");
        if (head == null) {
            return "unknown (not fetched yet)";
        }
        return shortId(head) + (head.equals(text(status, "deployedCommit")) ? " (deployed)" : " (not deployed)");
    }

    private String deployed(JsonNode status) {
        String commit = text(status, "deployedCommit");
        if (commit == null) {
            return "nothing yet";
        }
        StringBuilder text = new StringBuilder(shortId(commit));
        JsonNode signature = status.path("signature");
        String signer = text(signature, "signer");
        if (signer != null) {
            text.append(" signed by ").append(signer);
            String format = text(signature, "format");
            if (format != null) {
                text.append(" (").append(format).append(')');
            }
        }
        String at = ago(text(status, "deployedAt"));
        if (at != null) {
            text.append(", ").append(at);
        }
        return text.toString();
    }

    private String running(JsonNode status) {
        String running = text(status, "runningCommit");
        String deployed = text(status, "deployedCommit");
        String commit;
        if (running == null) {
            commit = "no commit recorded in the running system";
        } else if (running.equals(deployed)) {
            commit = shortId(running);
        } else {
            commit = shortId(running) + " (differs from the deployed commit)";
        }
        JsonNode generation = status.path("systemGeneration");
        String text = generation.has("number") ? commit + ", system generation " + generation.path("number").asInt() : commit;
        return text + drift(status.path("drift"));
    }

    /** Said only when the running system is not the one the agent activated: in sync is the normal case. */
    private String drift(JsonNode drift) {
        if (!drift.path("drifted").asBoolean(false)) {
            return "";
        }
        return "; DRIFTED: runs " + orUnknown(text(drift, "running")) + ", not " + orUnknown(text(drift, "expected"))
                + " which the agent activated (since " + orUnknown(ago(text(drift, "since"))) + ")";
    }

    private String lastPoll(JsonNode poll) {
        if (poll.isMissingNode() || poll.isNull()) {
            return "none yet";
        }
        String text = orUnknown(ago(text(poll, "at"))) + ": " + orUnknown(text(poll, "result"));
        String remote = text(poll, "remote");
        return remote == null ? text : text + " (from " + remote + ")";
    }

    private String lastDecision(JsonNode decision) {
        if (decision.isMissingNode() || decision.isNull()) {
            return "none yet";
        }
        StringBuilder text = new StringBuilder(lower(text(decision, "outcome")));
        if (text(decision, "commit") != null) {
            text.append(' ').append(shortId(text(decision, "commit")));
        }
        String at = ago(text(decision, "at"));
        if (at != null) {
            text.append(", ").append(at);
        }
        String reason = text(decision, "reason");
        if (reason != null) {
            // The agent's reason repeats what this line starts with ("refused <id>: not signed").
            String repeated = lower(text(decision, "outcome")) + " " + text(decision, "commit") + ": ";
            text.append(": ").append(reason.startsWith(repeated) ? reason.substring(repeated.length()) : reason);
        }
        return text.toString();
    }

    private String lastDeployment(JsonNode deployment) {
        if (deployment.isMissingNode() || deployment.isNull()) {
            return "none yet";
        }
        StringBuilder text = new StringBuilder(lower(text(deployment, "result")));
        if (text(deployment, "commit") != null) {
            text.append(' ').append(shortId(text(deployment, "commit")));
        }
        if (deployment.has("durationMillis")) {
            text.append(" in ").append(duration(Duration.ofMillis(deployment.path("durationMillis").asLong())));
        }
        if (text(deployment, "action") != null) {
            text.append(" (").append(text(deployment, "action")).append(')');
        }
        String at = ago(text(deployment, "finishedAt"));
        if (at != null) {
            text.append(", ").append(at);
        }
        if (text(deployment, "reason") != null) {
            text.append(": ").append(text(deployment, "reason"));
        }
        return text.toString();
    }

    /** The error, unless it is the last decision's reason, printed just above: then only its age. */
    private String lastError(JsonNode error, String decisionReason) {
        if (error.isMissingNode() || error.isNull()) {
            return "none";
        }
        String reason = text(error, "reason");
        StringBuilder text = new StringBuilder(reason != null && reason.equals(decisionReason) ? "the last decision's reason"
                : orUnknown(reason));
        String since = ago(text(error, "since"));
        String lastSeen = ago(text(error, "lastSeen"));
        if (since != null && lastSeen != null && !since.equals(lastSeen)) {
            text.append(" (first ").append(since).append(", last ").append(lastSeen).append(')');
        } else if (since != null) {
            text.append(" (").append(since).append(')');
        }
        return text.toString();
    }

    private String nextPoll(JsonNode status) {
        Instant at = instant(text(status, "nextPoll"));
        if (at == null) {
            return "not scheduled";
        }
        Duration until = Duration.between(now, at);
        return until.isNegative() || until.isZero() ? "due now" : "in " + duration(until);
    }

    private static String mirrors(JsonNode mirrors) {
        if (!mirrors.isArray() || mirrors.isEmpty()) {
            return "";
        }
        List<String> names = new ArrayList<>();
        mirrors.forEach(m -> names.add(m.asText()));
        return " (mirrors: " + String.join(", ", names) + ")";
    }

    /** "5m ago" for a past instant, null when the field is absent or unreadable. */
    private String ago(String isoInstant) {
        Instant at = instant(isoInstant);
        if (at == null) {
            return null;
        }
        Duration age = Duration.between(at, now);
        return age.isNegative() ? "just now" : duration(age) + " ago";
    }

    /** Two units at most: an operator wants "3h 12m", not seconds on a week-old deployment. */
    public static String duration(Duration d) {
        long seconds = d.toSeconds();
        if (seconds < 1) {
            return d.toMillis() + "ms";
        }
        if (seconds < 60) {
            long tenths = d.toMillis() / 100;
            return seconds < 10 && tenths % 10 != 0 ? (tenths / 10) + "." + (tenths % 10) + "s" : seconds + "s";
        }
        if (seconds < 3600) {
            return two(seconds / 60, "m", seconds % 60, "s");
        }
        if (seconds < 86400) {
            return two(seconds / 3600, "h", seconds % 3600 / 60, "m");
        }
        return two(seconds / 86400, "d", seconds % 86400 / 3600, "h");
    }

    private static String two(long major, String majorUnit, long minor, String minorUnit) {
        return minor == 0 ? major + majorUnit : major + majorUnit + " " + minor + minorUnit;
    }

    private static Instant instant(String iso) {
        if (iso == null) {
            return null;
        }
        try {
            return Instant.parse(iso);
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    public static String shortId(String commit) {
        return commit.length() > SHORT_ID ? commit.substring(0, SHORT_ID) : commit;
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.path(field);
        return value.isMissingNode() || value.isNull() ? null : value.asText();
    }

    private static String lower(String value) {
        return value == null ? "unknown" : value.toLowerCase(Locale.ROOT);
    }

    private static String orUnknown(String value) {
        return value == null ? "unknown" : value;
    }

    private static String[] row(String label, String value) {
        return new String[] {label, value};
    }
}
