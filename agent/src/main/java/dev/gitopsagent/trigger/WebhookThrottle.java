package dev.gitopsagent.trigger;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Turns webhook deliveries into wake-ups of the {@link ReconcileLoop}, at most one per interval: the
 * first of a burst wakes it at once, the rest collapse into a single wake-up when the interval ends.
 */
public final class WebhookThrottle implements AutoCloseable {

    private final Runnable wake;
    private final Duration minInterval;
    private final Clock clock;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "webhook-throttle");
        thread.setDaemon(true);
        return thread;
    });
    private Instant lastWake = Instant.MIN;
    private boolean deferred;

    /** {@code wake} asks for a reconcile, e.g. {@code () -> loop.wake("webhook")}. */
    public WebhookThrottle(Runnable wake, Duration minInterval, Clock clock) {
        this.wake = wake;
        this.minInterval = minInterval;
        this.clock = clock;
    }

    /** Returns true if the loop was woken now, false if the wake-up was deferred or merged. */
    public synchronized boolean request() {
        Instant now = clock.instant();
        Instant allowed = lastWake.equals(Instant.MIN) ? now : lastWake.plus(minInterval);
        if (!now.isBefore(allowed)) {
            lastWake = now;
            wake.run();
            return true;
        }
        if (!deferred) {
            deferred = true;
            timer.schedule(this::fireDeferred, Duration.between(now, allowed).toMillis(), TimeUnit.MILLISECONDS);
        }
        return false;
    }

    private synchronized void fireDeferred() {
        deferred = false;
        lastWake = clock.instant();
        wake.run();
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
