package dev.gitopsagent.rollout;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * When a reboot would not fall into another wave's rollout, derived from the schedule every host
 * computes alike ({@link RolloutPlan}), so no coordinator is needed: the rollout of a commit with
 * signed committer date C occupies the wave slots [C + j×T, C + (j+1)×T) for j = 0 … S-1 (T the soak,
 * S the number of waves). A host of wave k may reboot only while no slot j ≠ k of a rollout in
 * progress covers the moment: inside its own slot (while its own wave activates anyway), before the
 * first slot or after the last one. With one wave or no soak nothing is restricted.
 *
 * <p>S is {@code gitops.rollout.waves}, or this host's wave + 1 if that is more: a host configured
 * into wave 2 knows that waves 0 and 1 exist, but only {@code waves} tells it about later ones.
 *
 * @param inProgress the rollouts whose slots count (the commit deployed here, a verified one waiting)
 */
public record RebootClearance(RolloutPlan plan, InProgress inProgress) {

    /** A rollout that may be going on in the fleet: a verified commit and its signed committer date. */
    public record Rollout(String commit, Instant committedAt) {
    }

    /** Reads the rollouts in progress; asked at every decision, as they change with every poll. */
    public interface InProgress {
        List<Rollout> rollouts();
    }

    /** Whether a reboot may happen at one moment. */
    public sealed interface Verdict {
    }

    /** No other wave's slot covers the moment. */
    public record Clear() implements Verdict {
    }

    /**
     * Wave {@code wave}'s slot of {@code commit} covers the moment and ends at {@code slotEnds}; from
     * {@code clearFrom} on no other wave's slot of any rollout in progress does (later slots of the same
     * rollout, or another rollout's, can make it later than {@code slotEnds}).
     */
    public record Held(String commit, int wave, Instant slotEnds, Instant clearFrom) implements Verdict {

        public String describe() {
            return "reboot waits for wave " + wave + "'s slot of " + commit + " to end at " + slotEnds
                    + (clearFrom.equals(slotEnds) ? "" : " (and for other waves' slots after it, until " + clearFrom + ")");
        }
    }

    /** Whether a reboot at {@code moment} stays out of other waves' slots. */
    public Verdict at(Instant moment) {
        List<Rollout> rollouts = inProgress.rollouts();
        for (Rollout rollout : rollouts) {
            Optional<Integer> other = otherWaveAt(rollout, moment);
            if (other.isPresent()) {
                Instant slotEnds = slotStart(rollout, other.get() + 1);
                return new Held(rollout.commit(), other.get(), slotEnds, clearFrom(moment, rollouts));
            }
        }
        return new Clear();
    }

    /**
     * The first moment from {@code from} on at which a reboot is allowed: inside one of {@code windows}
     * (any moment when none is configured) and clear of other waves' slots.
     */
    public Instant nextReboot(Instant from, MaintenanceWindows windows) {
        List<Rollout> rollouts = inProgress.rollouts();
        Instant candidate = from;
        // Ends: every round either returns or moves past the end of a slot, and the slots are finitely many.
        while (true) {
            Instant open = windows.openFrom(candidate);
            Instant clear = clearFrom(open, rollouts);
            if (clear.equals(open)) {
                return open;
            }
            candidate = clear;
        }
    }

    private Instant clearFrom(Instant moment, List<Rollout> rollouts) {
        Instant clear = moment;
        boolean moved = true;
        while (moved) {
            moved = false;
            for (Rollout rollout : rollouts) {
                Optional<Integer> other = otherWaveAt(rollout, clear);
                if (other.isPresent()) {
                    // Before the own slot: it starts; after it: the last slot ends.
                    clear = other.get() < ownWave() ? slotStart(rollout, ownWave()) : slotStart(rollout, slots());
                    moved = true;
                }
            }
        }
        return clear;
    }

    /** The wave other than this host's whose slot of {@code rollout} covers {@code moment}, if any. */
    private Optional<Integer> otherWaveAt(Rollout rollout, Instant moment) {
        Duration soak = plan.soak();
        if (slots() <= 1 || soak.isZero() || soak.isNegative() || moment.isBefore(rollout.committedAt())) {
            return Optional.empty();
        }
        long slot = Duration.between(rollout.committedAt(), moment).dividedBy(soak);
        return slot < slots() && slot != ownWave() ? Optional.of((int) slot) : Optional.empty();
    }

    private Instant slotStart(Rollout rollout, int slot) {
        return rollout.committedAt().plus(plan.soak().multipliedBy(slot));
    }

    private int ownWave() {
        return plan.wave().number();
    }

    private int slots() {
        return Math.max(plan.waves(), ownWave() + 1);
    }
}
