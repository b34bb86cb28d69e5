package dev.gitopsagent.rollout;

import java.time.DateTimeException;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One maintenance window: a start written in a subset of systemd's calendar syntax
 * (systemd.time(7)), then {@code for} and a length. The README lists exactly what is accepted:
 * <pre>
 *   [WEEKDAYS] [*-*-*] HH:MM[:SS] [ZONE] for SPAN
 *   Sat,Sun 02:00 for 4h          Mon..Fri 22:30:00 Europe/Berlin for 1h30min
 * </pre>
 * Without weekdays every day matches; without a zone the host's time zone applies, as in systemd.
 * Anything else is rejected at startup rather than read some other way.
 */
public record MaintenanceWindow(String text, Set<DayOfWeek> days, LocalTime start, ZoneId zone, Duration length) {

    /** Longer windows would overlap themselves; a window open all the time is no window. */
    private static final Duration LONGEST = Duration.ofDays(7);
    private static final Pattern TIME = Pattern.compile("(\\d{1,2}):(\\d{2})(?::(\\d{2}))?");
    private static final Pattern SPAN_PART = Pattern.compile("(\\d+)(days?|d|hours?|hr|h|minutes?|min|m|seconds?|sec|s)");
    private static final Map<String, DayOfWeek> DAY_NAMES = dayNames();

    public MaintenanceWindow {
        days = Set.copyOf(days);
    }

    /** Parses one window; the exception names what is wrong with it. */
    public static MaintenanceWindow parse(String text) {
        String trimmed = text.trim();
        int split = trimmed.lastIndexOf(" for ");
        if (split < 0) {
            throw new IllegalArgumentException("'" + text + "' has no length: write the start, then 'for' and a length, e.g. 'Sat 02:00 for 4h'");
        }
        Duration length = span(trimmed.substring(split + 5).trim(), text);
        String[] words = trimmed.substring(0, split).trim().split("\\s+");
        int next = 0;
        Set<DayOfWeek> days = EnumSet.allOf(DayOfWeek.class);
        if (next < words.length && Character.isLetter(words[next].charAt(0)) && !TIME.matcher(words[next]).matches()
                && isDayList(words[next])) {
            days = dayList(words[next], text);
            next++;
        }
        if (next < words.length && words[next].equals("*-*-*")) {
            next++;
        }
        if (next >= words.length) {
            throw new IllegalArgumentException("'" + text + "' has no start time (HH:MM)");
        }
        LocalTime start = time(words[next++], text);
        ZoneId zone = ZoneId.systemDefault();
        if (next < words.length) {
            zone = zone(words[next++], text);
        }
        if (next < words.length) {
            throw new IllegalArgumentException("'" + text + "': unexpected '" + words[next] + "'");
        }
        return new MaintenanceWindow(trimmed, days, start, zone, length);
    }

    /** Whether the window is open at {@code at}: it started at most one length ago. */
    public boolean isOpen(Instant at) {
        LocalDate today = at.atZone(zone).toLocalDate();
        for (long back = 0; back <= length.toDays() + 1; back++) {
            LocalDate day = today.minusDays(back);
            if (days.contains(day.getDayOfWeek())) {
                Instant opened = ZonedDateTime.of(day, start, zone).toInstant();
                if (!at.isBefore(opened) && at.isBefore(opened.plus(length))) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The first start strictly after {@code at}; within eight days, since every pattern repeats weekly. */
    public Instant nextStart(Instant at) {
        LocalDate today = at.atZone(zone).toLocalDate();
        for (long ahead = 0; ahead <= 8; ahead++) {
            LocalDate day = today.plusDays(ahead);
            if (days.contains(day.getDayOfWeek())) {
                Instant opens = ZonedDateTime.of(day, start, zone).toInstant();
                if (opens.isAfter(at)) {
                    return opens;
                }
            }
        }
        throw new IllegalStateException("window " + text + " has no start within a week of " + at);
    }

    private static boolean isDayList(String word) {
        return word.chars().allMatch(c -> Character.isLetter(c) || c == ',' || c == '.');
    }

    private static Set<DayOfWeek> dayList(String word, String text) {
        Set<DayOfWeek> days = EnumSet.noneOf(DayOfWeek.class);
        for (String item : word.split(",", -1)) {
            int range = item.indexOf("..");
            if (range < 0) {
                days.add(day(item, text));
                continue;
            }
            DayOfWeek from = day(item.substring(0, range), text);
            DayOfWeek to = day(item.substring(range + 2), text);
            if (to.compareTo(from) < 0) {
                throw new IllegalArgumentException("'" + text + "': the range " + item + " runs backwards; write it from Mon towards Sun, or as two items");
            }
            for (int d = from.getValue(); d <= to.getValue(); d++) {
                days.add(DayOfWeek.of(d));
            }
        }
        return days;
    }

    private static DayOfWeek day(String name, String text) {
        DayOfWeek day = DAY_NAMES.get(name.toLowerCase(Locale.ROOT));
        if (day == null) {
            throw new IllegalArgumentException("'" + text + "': '" + name + "' is not a weekday (Mon, Tue, Wed, Thu, Fri, Sat, Sun)");
        }
        return day;
    }

    private static LocalTime time(String word, String text) {
        Matcher matcher = TIME.matcher(word);
        if (!matcher.matches()) {
            throw new IllegalArgumentException("'" + text + "': '" + word + "' is not a time of day (HH:MM or HH:MM:SS)");
        }
        int hour = Integer.parseInt(matcher.group(1));
        int minute = Integer.parseInt(matcher.group(2));
        int second = matcher.group(3) == null ? 0 : Integer.parseInt(matcher.group(3));
        if (hour > 23 || minute > 59 || second > 59) {
            throw new IllegalArgumentException("'" + text + "': " + word + " is not a time of day (hours 0-23, minutes and seconds 0-59)");
        }
        return LocalTime.of(hour, minute, second);
    }

    private static ZoneId zone(String word, String text) {
        try {
            return ZoneId.of(word);
        } catch (DateTimeException e) {
            throw new IllegalArgumentException("'" + text + "': '" + word + "' is not a time zone (UTC, or a name such as Europe/Berlin)");
        }
    }

    private static Duration span(String word, String text) {
        Matcher part = SPAN_PART.matcher(word);
        Duration total = Duration.ZERO;
        int end = 0;
        while (part.lookingAt()) {
            long amount = Long.parseLong(part.group(1));
            total = total.plus(switch (part.group(2).charAt(0)) {
                case 'd' -> Duration.ofDays(amount);
                case 'h' -> Duration.ofHours(amount);
                case 'm' -> Duration.ofMinutes(amount);
                default -> Duration.ofSeconds(amount);
            });
            end = part.end();
            part.region(end, word.length());
        }
        if (end == 0 || end != word.length()) {
            throw new IllegalArgumentException("'" + text + "': '" + word + "' is not a length such as 4h, 90min or 1h30min");
        }
        if (total.isZero() || total.compareTo(LONGEST) > 0) {
            throw new IllegalArgumentException("'" + text + "': the length must be more than 0 and at most 7d");
        }
        return total;
    }

    private static Map<String, DayOfWeek> dayNames() {
        Map<String, DayOfWeek> names = new java.util.HashMap<>();
        for (DayOfWeek day : DayOfWeek.values()) {
            String full = day.name().toLowerCase(Locale.ROOT);
            names.put(full, day);
            names.put(full.substring(0, 3), day);
        }
        return Map.copyOf(names);
    }
}
