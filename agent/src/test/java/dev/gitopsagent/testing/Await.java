package dev.gitopsagent.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Waiting in a test for what another thread or process does: the condition is asked again until it holds or the patience runs out. */
public final class Await {

    private static final long POLL_MILLIS = 20;

    private Await() {
    }

    /** Returns once {@code condition} holds; fails the test if it does not within {@code patience}. */
    public static void until(Duration patience, BooleanSupplier condition) {
        until(patience, "condition", condition);
    }

    /** Returns once {@code condition} holds; fails the test, naming {@code what}, if it does not within {@code patience}. */
    public static void until(Duration patience, String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + patience.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError(what + " not met within " + patience);
            }
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for " + what, e);
            }
        }
    }
}
