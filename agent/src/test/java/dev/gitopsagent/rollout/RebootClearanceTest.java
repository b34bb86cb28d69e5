package dev.gitopsagent.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The reboot rule without a coordinator: a commit committed at C occupies wave slots [C + j×T,
 * C + (j+1)×T); a host of wave k reboots only where no slot j ≠ k of a rollout in progress lies.
 * Every case is a commit committed on 2030-01-07 at 10:00 UTC unless it says otherwise.
 */
class RebootClearanceTest {

    private static final Instant COMMITTED = Instant.parse("2030-01-07T10:00:00Z");

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            own slot: allowed                          | 1 | 3 | PT1H  | 2030-01-07T11:30:00Z |   |                      |
            own slot's first moment: allowed           | 1 | 3 | PT1H  | 2030-01-07T11:00:00Z |   |                      |
            a later wave's slot: held to the last slot  | 0 | 3 | PT1H  | 2030-01-07T11:30:00Z | 1 | 2030-01-07T12:00:00Z | 2030-01-07T13:00:00Z
            an earlier wave's slot: held to own slot    | 2 | 3 | PT1H  | 2030-01-07T10:30:00Z | 0 | 2030-01-07T11:00:00Z | 2030-01-07T12:00:00Z
            the next wave's first moment: held          | 1 | 3 | PT1H  | 2030-01-07T12:00:00Z | 2 | 2030-01-07T13:00:00Z | 2030-01-07T13:00:00Z
            after the last slot: allowed                | 0 | 3 | PT1H  | 2030-01-07T13:00:00Z |   |                      |
            before the committer date: allowed          | 1 | 3 | PT1H  | 2030-01-07T09:59:00Z |   |                      |
            one wave: unrestricted                      | 0 | 1 | PT1H  | 2030-01-07T10:30:00Z |   |                      |
            zero soak: unrestricted                     | 1 | 3 | PT0S  | 2030-01-07T10:00:00Z |   |                      |
            configured wave past waves: earlier waves count | 2 | 1 | PT1H | 2030-01-07T10:30:00Z | 0 | 2030-01-07T11:00:00Z | 2030-01-07T12:00:00Z
            """)
    void aHostRebootsOnlyOutsideOtherWavesSlots(String name, int wave, int waves, Duration soak, Instant at, Integer heldBy,
            Instant slotEnds, Instant clearFrom) {
        RebootClearance clearance = clearance(wave, waves, soak, new RebootClearance.Rollout("deployed", COMMITTED));

        RebootClearance.Verdict verdict = clearance.at(at);

        if (heldBy == null) {
            assertThat(verdict).isEqualTo(new RebootClearance.Clear());
        } else {
            assertThat(verdict).isEqualTo(new RebootClearance.Held("deployed", heldBy, slotEnds, clearFrom));
        }
    }

    @Test
    void aNewerCommitWaitingForItsWaveAlsoHoldsTheReboot() {
        RebootClearance.Rollout deployed = new RebootClearance.Rollout("deployed", COMMITTED);
        RebootClearance.Rollout waiting = new RebootClearance.Rollout("waiting", Instant.parse("2030-01-07T12:30:00Z"));
        Instant at = Instant.parse("2030-01-07T12:45:00Z");

        assertThat(clearance(1, 2, Duration.ofHours(1), deployed).at(at)).as("the deployed commit's rollout is over")
                .isEqualTo(new RebootClearance.Clear());
        assertThat(clearance(1, 2, Duration.ofHours(1), deployed, waiting).at(at)).isEqualTo(
                new RebootClearance.Held("waiting", 0, Instant.parse("2030-01-07T13:30:00Z"), Instant.parse("2030-01-07T13:30:00Z")));
    }

    @Test
    void theHoldLastsUntilNoRolloutInProgressHasAnotherWavesSlot() {
        // Wave 2 of 3: the deployed commit's wave 0 holds until 12:00, where the waiting commit's wave 0 (11:30-12:30)
        // and then its wave 1 (12:30-13:30) hold; at 13:30 the waiting commit's own slot starts and the first rollout is over.
        RebootClearance clearance = clearance(2, 3, Duration.ofHours(1), new RebootClearance.Rollout("deployed", COMMITTED),
                new RebootClearance.Rollout("waiting", Instant.parse("2030-01-07T11:30:00Z")));

        RebootClearance.Verdict verdict = clearance.at(Instant.parse("2030-01-07T10:30:00Z"));

        assertThat(verdict).isEqualTo(new RebootClearance.Held("deployed", 0, Instant.parse("2030-01-07T11:00:00Z"),
                Instant.parse("2030-01-07T13:30:00Z")));
        assertThat(((RebootClearance.Held) verdict).describe()).isEqualTo("reboot waits for wave 0's slot of deployed to end at "
                + "2030-01-07T11:00:00Z (and for other waves' slots after it, until 2030-01-07T13:30:00Z)");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            a window inside the own slot                  | Mon 10:30 UTC for 1h                      | 2030-01-07T10:30:00Z
            a window in a later wave's slot, then one after | Mon 11:15 UTC for 30min; Mon 14:00 UTC for 1h | 2030-01-07T14:00:00Z
            a window that outlasts the later waves' slots  | Mon 11:30 UTC for 3h                      | 2030-01-07T13:00:00Z
            no other window this week: next Monday's       | Mon 11:15 UTC for 30min                   | 2030-01-14T11:15:00Z
            """)
    void theNextRebootIsInsideAWindowAndOutsideOtherWavesSlots(String name, String windows, Instant expected) {
        RebootClearance clearance = clearance(0, 3, Duration.ofHours(1), new RebootClearance.Rollout("deployed", COMMITTED));

        assertThat(clearance.nextReboot(Instant.parse("2030-01-07T09:00:00Z"), MaintenanceWindows.parse(windows))).isEqualTo(expected);
    }

    private static RebootClearance clearance(int wave, int waves, Duration soak, RebootClearance.Rollout... rollouts) {
        return new RebootClearance(new RolloutPlan(new Wave(wave, false), waves, soak), () -> List.of(rollouts));
    }
}
