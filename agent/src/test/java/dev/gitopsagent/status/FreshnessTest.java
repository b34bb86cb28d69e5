package dev.gitopsagent.status;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;

import org.junit.jupiter.api.Test;

class FreshnessTest {

    private static final Instant NOW = Instant.parse("2026-11-25T12:00:00Z");
    private final Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
    private final LiveStatus live = new LiveStatus(clock);

    @Test
    void headOlderThanTheMaximumAgeIsStale() {
        live.remoteHeadCommittedAt(NOW.minus(Duration.ofDays(15)));

        Freshness freshness = new Freshness(live, Optional.of(Duration.ofDays(14)), clock);

        assertThat(freshness.stale()).contains(true);
        assertThat(freshness.headAge()).contains(Duration.ofDays(15));
    }

    @Test
    void recentHeadIsNotStale() {
        live.remoteHeadCommittedAt(NOW.minus(Duration.ofHours(3)));

        assertThat(new Freshness(live, Optional.of(Duration.ofDays(14)), clock).stale()).contains(false);
    }

    @Test
    void withoutAMaximumAgeNothingIsJudged() {
        live.remoteHeadCommittedAt(NOW.minus(Duration.ofDays(400)));

        assertThat(new Freshness(live, Optional.empty(), clock).stale()).isEmpty();
    }
}
