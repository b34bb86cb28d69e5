package dev.gitopsagent.rollout;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Why a verified commit is not activated yet. Waiting is not a failure: nothing is refused, no
 * failure is counted, and the same heads are looked at again when {@link #until()} has passed (or,
 * for a halt, when the branch moves).
 */
public sealed interface Wait {

    String WAVE = "wave";
    String HALT = "halt";
    String WINDOW = "window";
    String CACHE = "cache";
    String FORGE = "forge";
    /** Every {@link #kind()}, in the order status and metrics list them. */
    List<String> KINDS = List.of(WAVE, HALT, WINDOW, CACHE, FORGE);

    /** The word shown in status and metrics: one of {@link #KINDS}. */
    String kind();

    /** Since when the host has waited, where that is part of the wait (a deadline counts from it). */
    default Optional<Instant> since() {
        return Optional.empty();
    }

    /** When to look again; empty when only a new commit can end the wait. */
    Optional<Instant> until();

    /** One line for logs and status. */
    String describe();

    /** The host's wave has not soaked long enough since the commit's signed committer date. */
    record Soak(String commit, int wave, Instant committedAt, Instant activatesAt) implements Wait {
        public String kind() {
            return WAVE;
        }

        public Optional<Instant> until() {
            return Optional.of(activatesAt);
        }

        public String describe() {
            return "wave " + wave + " activates " + commit + " at " + activatesAt + " (committed " + committedAt + ")";
        }
    }

    /** The commit carries the halt marker: no host that has not activated it yet goes on. */
    record Halted(String commit) implements Wait {
        public String kind() {
            return HALT;
        }

        public Optional<Instant> until() {
            return Optional.empty();
        }

        public String describe() {
            return "rollout halted: " + commit + " contains " + HaltMarker.PATH + "; the next commit without it resumes";
        }
    }

    /** Built, and the activation waits for the next maintenance window. */
    record Window(String commit, String windows, Instant opens) implements Wait {
        public String kind() {
            return WINDOW;
        }

        public Optional<Instant> until() {
            return Optional.of(opens);
        }

        public String describe() {
            return "activation waits for window " + windows + " (next at " + opens + ")";
        }
    }

    /**
     * Cache mode: the commit's toplevel is not (yet) in the binary caches signed by a trusted key.
     * Looked for again at {@code nextCheck}; at {@code deadline} the configured policy applies.
     */
    record Cache(String commit, String toplevel, Instant waitingSince, Instant deadline, Instant nextCheck) implements Wait {
        public String kind() {
            return CACHE;
        }

        public Optional<Instant> until() {
            return Optional.of(nextCheck);
        }

        @Override
        public Optional<Instant> since() {
            return Optional.of(waitingSince);
        }

        public String describe() {
            return "waiting for cache since " + waitingSince + ": " + toplevel + " (commit " + commit
                    + ") is not in the binary caches signed by a trusted key; waiting until " + deadline;
        }
    }

    /** The forge gate: earlier waves have not reported enough successes on the commit, or one reports a failure. */
    record Forge(String commit, int wave, String reason, Instant nextCheck) implements Wait {
        public String kind() {
            return FORGE;
        }

        public Optional<Instant> until() {
            return Optional.of(nextCheck);
        }

        public String describe() {
            return "wave " + wave + " holds " + commit + " for the forge gate: " + reason;
        }
    }
}
