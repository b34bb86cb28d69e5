package dev.gitopsagent.trigger;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.jboss.logging.Logger;

import dev.gitopsagent.pipeline.ReconcileOutcome;
import dev.gitopsagent.pipeline.Reconciler;
import dev.gitopsagent.state.Evaluation;
import dev.gitopsagent.status.LiveStatus;

/**
 * Runs reconciles one at a time on a dedicated thread. Any number of wake-ups while one is queued
 * collapse into it; a wake-up during a reconcile queues exactly one more, so a push is never missed.
 * After failures the next poll backs off exponentially, with jitter, up to a bound.
 */
public final class ReconcileLoop implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(ReconcileLoop.class);

    /** How often to poll and how to spread polls out. */
    public record Cadence(Duration interval, Duration jitter, Duration maxBackoff) {
    }

    /** Told about every reconcile's outcome, on the reconcile thread: metrics, forge reports, self-restart. */
    public interface OutcomeListener {
        void reconciled(ReconcileOutcome outcome);
    }

    /**
     * A moment, besides the poll interval, at which the next reconcile must run at the latest because
     * something that only a reconcile does becomes due then (a pending reboot's window opening). The
     * loop does not need to know what.
     */
    public interface Appointment {
        /** The moment after {@code now}, if any; earlier ones than the next poll bring the poll forward. */
        Optional<Instant> after(Instant now);
    }

    /** No appointments: polls follow the interval and the waits' ends only. */
    public static final Appointment NONE = now -> Optional.empty();

    /**
     * Ends the process with this status after an {@link Error} (OutOfMemoryError, StackOverflowError)
     * escaped a reconcile: the JVM may be in no state to go on, and without a reconcile thread nothing
     * would ever poll again. systemd restarts the agent.
     */
    public interface Exit {
        void exit(int status);
    }

    /** EX_SOFTWARE: what the process exits with after an {@link Error} in a reconcile. */
    public static final int FATAL_ERROR_EXIT_CODE = 70;

    private final Reconciler reconciler;
    private final LiveStatus status;
    private final Cadence cadence;
    private final Clock clock;
    private final List<OutcomeListener> listeners;
    private final Appointment appointment;
    private final Exit exit;
    private final ExecutorService lane;
    private final AtomicBoolean queued = new AtomicBoolean();
    private volatile Instant nextPoll;
    private volatile Instant runningSince;
    private volatile ReconcileOutcome lastOutcome;
    private int consecutiveErrors;

    public ReconcileLoop(Reconciler reconciler, LiveStatus status, Cadence cadence, Clock clock, List<OutcomeListener> listeners,
            Appointment appointment, Exit exit) {
        this.reconciler = reconciler;
        this.appointment = appointment;
        this.exit = exit;
        this.status = status;
        this.cadence = cadence;
        this.clock = clock;
        this.listeners = List.copyOf(listeners);
        this.lane = Executors.newSingleThreadExecutor(runnable -> {
            Thread thread = new Thread(runnable, "reconcile");
            thread.setDaemon(true);
            return thread;
        });
        this.nextPoll = clock.instant();
    }

    /** Called often by the scheduler; starts a reconcile when the next poll is due. */
    public void tick() {
        if (!clock.instant().isBefore(nextPoll)) {
            wake("poll interval");
        }
    }

    /** Asks for a reconcile as soon as possible. Returns false when one was already queued. */
    public boolean wake(String why) {
        if (!queued.compareAndSet(false, true)) {
            return false;
        }
        // Far in the future until this reconcile schedules the next one, so ticks do not pile up.
        nextPoll = Instant.MAX;
        lane.execute(() -> run(why));
        return true;
    }

    private void run(String why) {
        queued.set(false);
        runningSince = clock.instant();
        LOG.debugf("reconcile (%s)", why);
        ReconcileOutcome outcome;
        try {
            outcome = reconciler.reconcile();
            lastOutcome = outcome;
            if (resolvesTheLastProblem(outcome)) {
                status.resolved();
            }
            for (OutcomeListener listener : listeners) {
                listener.reconciled(outcome);
            }
            reconciler.tidy();
        } catch (Error e) {
            stop(e);
            return;
        } catch (RuntimeException e) {
            // A listener (metrics, forge report) failed: the reconcile itself is done, and polling goes on.
            LOG.errorf(e, "after the reconcile: %s", e);
            outcome = new ReconcileOutcome.Errored(e.toString());
        } finally {
            runningSince = null;
        }
        consecutiveErrors = outcome instanceof ReconcileOutcome.Errored ? consecutiveErrors + 1 : 0;
        Instant next = clock.instant().plus(delayAfter(consecutiveErrors));
        // A wait that ends before the next poll would otherwise cost up to one interval (plus jitter) of delay.
        if (outcome instanceof ReconcileOutcome.Waiting waiting && waiting.cause().until().filter(next::isAfter).isPresent()) {
            next = waiting.cause().until().get();
        }
        Optional<Instant> appointed = appointment.after(clock.instant());
        if (appointed.filter(next::isAfter).isPresent()) {
            next = appointed.get();
        }
        if (!queued.get()) {
            nextPoll = next;
        }
        status.nextPoll(next);
    }

    /** A deployment, or a poll that finds the decided head deployed: whatever went wrong before is over. */
    private boolean resolvesTheLastProblem(ReconcileOutcome outcome) {
        return outcome instanceof ReconcileOutcome.Deployed || outcome instanceof ReconcileOutcome.Unchanged
                && reconciler.state().evaluation().map(evaluation -> evaluation.outcome() == Evaluation.Outcome.DEPLOYED).orElse(false);
    }

    /** Says so wherever an operator looks, then ends the process so that systemd starts a healthy one. */
    private void stop(Error error) {
        String reason = "the reconcile loop stopped on " + error + "; the agent exits with " + FATAL_ERROR_EXIT_CODE
                + " to be restarted";
        try {
            status.failed(reason);
            status.nextPoll(null);
            LOG.fatal(reason, error);
        } finally {
            exit.exit(FATAL_ERROR_EXIT_CODE);
        }
    }

    private Duration delayAfter(int errors) {
        Duration base = cadence.interval();
        if (errors > 0) {
            long factor = 1L << Math.min(errors - 1, 20);
            base = base.multipliedBy(factor);
            if (base.compareTo(cadence.maxBackoff()) > 0) {
                base = cadence.maxBackoff();
            }
        }
        long jitterMillis = cadence.jitter().toMillis();
        return jitterMillis <= 0 ? base : base.plusMillis(ThreadLocalRandom.current().nextLong(jitterMillis + 1));
    }

    /**
     * Runs an operator action on the reconcile thread, after any reconcile in progress, so it never
     * races a build or an activation.
     */
    public <T> T exclusively(Callable<T> action) throws Exception {
        try {
            return lane.submit(action).get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }

    /** When the running reconcile started, if one is running: lets health checks spot a stuck one. */
    public Instant runningSince() {
        return runningSince;
    }

    public ReconcileOutcome lastOutcome() {
        return lastOutcome;
    }

    @Override
    public void close() throws InterruptedException {
        lane.shutdownNow();
        lane.awaitTermination(10, TimeUnit.SECONDS);
    }
}
