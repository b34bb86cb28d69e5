package dev.gitopsagent.state;

import java.time.Instant;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * Deployments paused by an operator or by a rollback.
 *
 * @param reason          why, as shown in status
 * @param since           when it began
 * @param untilHeadMovesFrom when set, deployment resumes by itself once the branch head differs from this commit
 */
@RegisterForReflection
public record Suspension(String reason, Instant since, String untilHeadMovesFrom) {

    public boolean liftedBy(String remoteHead) {
        return untilHeadMovesFrom != null && !untilHeadMovesFrom.equals(remoteHead);
    }
}
