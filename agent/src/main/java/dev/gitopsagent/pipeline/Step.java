package dev.gitopsagent.pipeline;

import java.io.IOException;

/**
 * What a stage of the reconcile answers: go on to the next stage with a value, or stop the reconcile
 * with a reason. A stop passes unchanged through every later stage, so the pipeline reads as one
 * chain and records the first stop.
 */
public sealed interface Step<T> {

    /** One stage's work, or the pipeline's last one (recording). */
    @FunctionalInterface
    interface Work<A, R> {
        R apply(A input) throws IOException, InterruptedException;
    }

    static <T> Step<T> proceed(T value) {
        return new Proceed<>(value);
    }

    static <T> Step<T> stop(Halt halt) {
        return new Stop<>(halt);
    }

    /** Runs the next stage on this value, or passes the stop on. */
    <R> Step<R> then(Work<? super T, Step<R>> next) throws IOException, InterruptedException;

    /** Ends the chain: the value goes to {@code proceeded}, a stop to {@code stopped}. */
    <R> R end(Work<? super T, R> proceeded, Work<Halt, R> stopped) throws IOException, InterruptedException;

    record Proceed<T>(T value) implements Step<T> {
        @Override
        public <R> Step<R> then(Work<? super T, Step<R>> next) throws IOException, InterruptedException {
            return next.apply(value);
        }

        @Override
        public <R> R end(Work<? super T, R> proceeded, Work<Halt, R> stopped) throws IOException, InterruptedException {
            return proceeded.apply(value);
        }
    }

    record Stop<T>(Halt halt) implements Step<T> {
        @Override
        public <R> Step<R> then(Work<? super T, Step<R>> next) {
            return new Stop<>(halt);
        }

        @Override
        public <R> R end(Work<? super T, R> proceeded, Work<Halt, R> stopped) throws IOException, InterruptedException {
            return stopped.apply(halt);
        }
    }
}
