package dev.gitopsagent.rollout;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import dev.gitopsagent.status.ForgeReporter;
import dev.gitopsagent.status.ForgeStatuses;

/**
 * The optional forge gate: a host of wave k activates a commit only when the forge shows at least
 * {@code minSuccesses} success statuses on it from hosts of earlier waves, and none of them failing.
 * The statuses are the ones agents post ({@code gitops-agent/<host>}, described {@code wave <n>: ...}).
 * The gate only ever holds a commit back: what is activated is still only the verified commit, so a
 * forge that lies can delay a rollout, never change what it deploys.
 */
public final class ForgeGate {

    private final ForgeStatuses statuses;
    private final String ownContext;
    private final int minSuccesses;
    private final Duration checkInterval;

    public ForgeGate(ForgeStatuses statuses, String ownContext, int minSuccesses, Duration checkInterval) {
        this.statuses = statuses;
        this.ownContext = ownContext;
        this.minSuccesses = minSuccesses;
        this.checkInterval = checkInterval;
    }

    /** Why wave {@code wave} may not activate {@code commit} yet, if it may not. Wave 0 has no earlier wave to wait for. */
    public Optional<Wait> hold(String commit, int wave, Instant now) throws InterruptedException {
        if (wave == 0) {
            return Optional.empty();
        }
        List<ForgeStatuses.Posted> latest;
        try {
            latest = statuses.latest(commit);
        } catch (IOException e) {
            return held(commit, wave, now, "cannot read the commit statuses from " + statuses.apiUrl() + ": " + e.getMessage());
        }
        List<ForgeStatuses.Posted> earlier = latest.stream()
                .filter(status -> status.context().startsWith(ForgeReporter.CONTEXT_PREFIX) && !status.context().equals(ownContext))
                .filter(status -> ForgeReporter.waveOf(status.description()).filter(theirs -> theirs < wave).isPresent())
                .toList();
        Optional<ForgeStatuses.Posted> failing = earlier.stream().filter(ForgeStatuses.Posted::failed).findFirst();
        if (failing.isPresent()) {
            return held(commit, wave, now, failing.get().context() + " reports " + failing.get().state() + " (" + failing.get().description() + ")");
        }
        long successes = earlier.stream().filter(ForgeStatuses.Posted::succeeded).count();
        if (successes < minSuccesses) {
            return held(commit, wave, now, successes + " of " + minSuccesses + " success statuses from earlier waves");
        }
        return Optional.empty();
    }

    private Optional<Wait> held(String commit, int wave, Instant now, String reason) {
        return Optional.of(new Wait.Forge(commit, wave, reason, now.plus(checkInterval)));
    }
}
