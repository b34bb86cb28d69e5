package dev.gitopsagent.state;

import java.time.Instant;
import java.util.List;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** One attempt to build and activate a commit, as kept in the bounded history. */
@RegisterForReflection(ignoreNested = false)
public record Deployment(
        String commit,
        String action,
        Result result,
        Instant startedAt,
        Instant finishedAt,
        long durationMillis,
        String reason,
        SignatureRecord signature,
        Integer generation,
        List<String> outputTail) {

    public enum Result {
        /** Built and activated (or, for dry-run, verified and the commands logged). */
        SUCCEEDED,
        /** Build or activation failed; the running system was left as it was. */
        FAILED,
        /** The agent stopped mid-deployment (crash, power loss); the outcome was read back from the system. */
        INTERRUPTED
    }
}
