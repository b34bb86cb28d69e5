package dev.gitopsagent.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.gitopsagent.config.InvalidConfigException;

/** The documented subset of systemd's calendar syntax, plus a length. 2030-01-07 is a Monday. */
class MaintenanceWindowTest {

    @ParameterizedTest(name = "{0} at {1}: open={2}, next start {3}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            Sat,Sun 02:00 UTC for 4h             | 2030-01-07T10:00:00Z | false | 2030-01-12T02:00:00Z
            Sat,Sun 02:00 UTC for 4h             | 2030-01-12T05:59:59Z | true  | 2030-01-13T02:00:00Z
            Sat,Sun 02:00 UTC for 4h             | 2030-01-12T06:00:00Z | false | 2030-01-13T02:00:00Z
            Mon..Fri 22:30 UTC for 90min         | 2030-01-07T23:59:59Z | true  | 2030-01-08T22:30:00Z
            Mon..Fri 22:30 UTC for 90min         | 2030-01-11T23:00:00Z | true  | 2030-01-14T22:30:00Z
            Fri 23:00 UTC for 3h                 | 2030-01-12T01:30:00Z | true  | 2030-01-18T23:00:00Z
            *-*-* 03:15:30 UTC for 1h30min       | 2030-01-07T03:15:29Z | false | 2030-01-07T03:15:30Z
            03:00 Europe/Berlin for 1h           | 2030-01-07T02:30:00Z | true  | 2030-01-08T02:00:00Z
            03:00 Europe/Berlin for 1h           | 2030-07-08T01:30:00Z | true  | 2030-07-09T01:00:00Z
            monday,Wednesday 00:00 UTC for 1d    | 2030-01-07T12:00:00Z | true  | 2030-01-09T00:00:00Z
            """)
    void opensAtTheCalendarStartForItsLength(String text, Instant at, boolean open, Instant next) {
        MaintenanceWindow window = MaintenanceWindow.parse(text);

        assertThat(window.isOpen(at)).isEqualTo(open);
        assertThat(window.nextStart(at)).isEqualTo(next);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            Sat 02:00                      | has no length
            Sat 02:00 for                  | has no length
            Sat 02:00 for 0h               | more than 0 and at most 7d
            Sat 02:00 for 8d               | more than 0 and at most 7d
            Sat 02:00 for 2 hours          | is not a length
            Sat 25:00 UTC for 1h           | is not a time of day
            Sat 2am UTC for 1h             | is not a time of day
            Sta 02:00 for 1h               | 'Sta' is not a weekday
            Fri..Mon 02:00 for 1h          | runs backwards
            Sat 02:00 Mars/Olympus for 1h  | is not a time zone
            Sat 02:00 UTC extra for 1h     | unexpected 'extra'
            Sat for 1h                     | has no start time
            2030-01-12 02:00 for 1h        | is not a time of day
            """)
    void refusesAnythingOutsideTheDocumentedSubset(String text, String problem) {
        assertThatThrownBy(() -> MaintenanceWindows.parse(text))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageStartingWith(MaintenanceWindows.KEY)
                .hasMessageContaining(text.trim())
                .hasMessageContaining(problem);
    }

    @Test
    void severalWindowsAreOpenWhenAnyIsAndWaitForTheEarliestNextStart() {
        MaintenanceWindows windows = MaintenanceWindows.parse("Sat,Sun 02:00 UTC for 4h; Wed 22:00 UTC for 1h");

        assertThat(windows.closedUntil(Instant.parse("2030-01-07T10:00:00Z"))).contains(Instant.parse("2030-01-09T22:00:00Z"));
        assertThat(windows.closedUntil(Instant.parse("2030-01-09T22:30:00Z"))).isEmpty();
        assertThat(windows.closedUntil(Instant.parse("2030-01-12T03:00:00Z"))).isEmpty();
        assertThat(windows.openFrom(Instant.parse("2030-01-10T00:00:00Z"))).isEqualTo(Instant.parse("2030-01-12T02:00:00Z"));
        assertThat(windows.describe()).isEqualTo("Sat,Sun 02:00 UTC for 4h; Wed 22:00 UTC for 1h");
    }

    @Test
    void noWindowMeansActivationIsAlwaysAllowed() {
        Instant now = Instant.parse("2030-01-07T10:00:00Z");

        assertThat(MaintenanceWindows.parse(" ").closedUntil(now)).isEmpty();
        assertThat(MaintenanceWindows.parse(" ").openFrom(now)).isEqualTo(now);
    }
}
