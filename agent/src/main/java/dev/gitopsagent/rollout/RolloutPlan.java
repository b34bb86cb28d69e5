package dev.gitopsagent.rollout;

import java.time.Duration;
import java.time.Instant;

/**
 * When this host may activate a commit: wave k waits k soak times after the commit's committer
 * date. The date is part of the signed commit object, so every host reading the same verified
 * commit computes the same schedule, with no coordinator and no shared state.
 */
public record RolloutPlan(Wave wave, int waves, Duration soak) {

    public Instant activationTime(Instant committedAt) {
        return committedAt.plus(soak.multipliedBy(wave.number()));
    }
}
