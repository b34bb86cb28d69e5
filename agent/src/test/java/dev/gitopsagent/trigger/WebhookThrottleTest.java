package dev.gitopsagent.trigger;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class WebhookThrottleTest {

    private final AtomicInteger wakes = new AtomicInteger();
    private final WebhookThrottle throttle = new WebhookThrottle(wakes::incrementAndGet, Duration.ofMillis(300), Clock.systemUTC());

    @AfterEach
    void close() {
        throttle.close();
    }

    @Test
    void firstWebhookWakesThePollerAtOnce() {
        assertThat(throttle.request()).isTrue();
        assertThat(wakes).hasValue(1);
    }

    @Test
    void aFloodWakesThePollerOnceNowAndOnceWhenTheIntervalEnds() throws Exception {
        for (int i = 0; i < 500; i++) {
            throttle.request();
        }
        assertThat(wakes).hasValue(1);

        Thread.sleep(900);

        assertThat(wakes).as("the burst after the first webhook collapses into one deferred wake-up").hasValue(2);
    }

    @Test
    void webhooksFartherApartThanTheIntervalEachWakeThePoller() throws Exception {
        throttle.request();
        Thread.sleep(350);
        assertThat(throttle.request()).isTrue();
        assertThat(wakes).hasValue(2);
    }
}
