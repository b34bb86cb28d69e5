package dev.gitopsagent.status;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Is the branch head recent enough? A forge (or an attacker in front of it) can freeze a host on an
 * old, validly signed commit simply by never serving a newer one; only the age of the head shows it.
 */
public final class Freshness {

    private final LiveStatus live;
    private final Optional<Duration> maxAge;
    private final Clock clock;

    public Freshness(LiveStatus live, Optional<Duration> maxAge, Clock clock) {
        this.live = live;
        this.maxAge = maxAge;
        this.clock = clock;
    }

    public Optional<Duration> headAge() {
        return live.remoteHeadCommittedAt().map(at -> Duration.between(at, clock.instant()));
    }

    /** Empty when no maximum age is configured or the head is not known yet. */
    public Optional<Boolean> stale() {
        return maxAge.flatMap(max -> headAge().map(age -> age.compareTo(max) > 0));
    }

    public Optional<Instant> headCommittedAt() {
        return live.remoteHeadCommittedAt();
    }
}
