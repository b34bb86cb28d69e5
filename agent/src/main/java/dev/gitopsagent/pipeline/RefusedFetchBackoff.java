package dev.gitopsagent.pipeline;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * When the remote heads whose fetch was refused for what the remote sent (over a bound, more than the heap holds,
 * shallow information never asked for) may be fetched again. The same heads mostly bring the same pack and the same
 * refusal, and each try downloads and parses all of it: from every host of a fleet, at every poll, a full clone's
 * worth of work for the forge each time. So the first retry comes at the next poll, as before, then after 1, 3, 7,
 * ... more poll intervals, at most {@code gitops.poll.max-backoff}.
 *
 * <p>Kept in memory only: new heads, a restart (which any change of configuration or of the heap makes) and an
 * operator's retry (which forgets the refusal it applies to) fetch at once.
 */
final class RefusedFetchBackoff {

    private final Duration interval;
    private final Duration max;
    private String heads;
    private int refusals;
    private Instant notBefore;

    RefusedFetchBackoff(Duration interval, Duration max) {
        this.interval = interval;
        this.max = max;
    }

    /**
     * Notes that the fetch of {@code heads} was refused at {@code now}: once more, when the last refusal was of them too.
     * Returns until when their next fetch waits, if it does.
     */
    synchronized Optional<Instant> refused(String heads, Instant now) {
        refusals = heads.equals(this.heads) ? refusals + 1 : 1;
        this.heads = heads;
        notBefore = now.plus(pauseAfter(refusals));
        return holdsBack(heads, now);
    }

    /** Notes a fetch that went through: whatever was refused before is over. */
    synchronized void fetched() {
        heads = null;
        refusals = 0;
        notBefore = null;
    }

    /** Until when a fetch of {@code heads} waits at {@code now}, if it must. */
    synchronized Optional<Instant> holdsBack(String heads, Instant now) {
        return heads.equals(this.heads) && now.isBefore(notBefore) ? Optional.of(notBefore) : Optional.empty();
    }

    /** No pause after the first refusal; then 2^(n-1) - 1 poll intervals, at most {@link #max}. */
    private Duration pauseAfter(int refusals) {
        long intervals = (1L << Math.min(refusals - 1, 30)) - 1;
        Duration pause = interval.multipliedBy(intervals);
        return pause.compareTo(max) > 0 ? max : pause;
    }
}
