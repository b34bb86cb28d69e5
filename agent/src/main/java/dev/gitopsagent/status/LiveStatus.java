package dev.gitopsagent.status;

import java.time.Clock;
import java.time.Instant;
import java.util.Optional;

import io.quarkus.runtime.annotations.RegisterForReflection;

import dev.gitopsagent.verify.SignersInForce;

/**
 * What happened since the agent started, kept in memory for the status API: the durable part lives
 * in the state file. Written by the reconcile thread, read by HTTP threads.
 */
public final class LiveStatus {

    /** The result of one poll, as shown in status. */
    @RegisterForReflection
    public record Poll(Instant at, String result, String remote) {
    }

    /** The most recent problem; {@code since} is when it first appeared, so its age is visible. */
    @RegisterForReflection
    public record Problem(String reason, Instant since, Instant lastSeen) {
    }

    private final Clock clock;
    private volatile Phase phase = Phase.IDLE;
    private volatile String remoteHead;
    private volatile String testingHead;
    private volatile Instant remoteHeadCommittedAt;
    private volatile Poll lastPoll;
    private volatile Problem lastError;
    private volatile Instant nextPoll;
    private volatile SignersInForce signersInForce;

    public LiveStatus(Clock clock) {
        this.clock = clock;
    }

    public void phase(Phase next) {
        phase = next;
    }

    public Phase phase() {
        return phase;
    }

    public void remoteHead(String head) {
        remoteHead = head;
    }

    public Optional<String> remoteHead() {
        return Optional.ofNullable(remoteHead);
    }

    public void remoteHeadCommittedAt(Instant at) {
        remoteHeadCommittedAt = at;
    }

    public Optional<Instant> remoteHeadCommittedAt() {
        return Optional.ofNullable(remoteHeadCommittedAt);
    }

    public void testingHead(String head) {
        testingHead = head;
    }

    public Optional<String> testingHead() {
        return Optional.ofNullable(testingHead);
    }

    public void polled(String result, String remote) {
        lastPoll = new Poll(clock.instant(), result, remote);
    }

    public Optional<Poll> lastPoll() {
        return Optional.ofNullable(lastPoll);
    }

    public synchronized void failed(String reason) {
        Instant now = clock.instant();
        Problem previous = lastError;
        boolean ongoing = previous != null && previous.reason().equals(reason);
        lastError = new Problem(reason, ongoing ? previous.since() : now, now);
    }

    /** The last problem is over (a later deployment or poll succeeded): status shows no error any more. */
    public synchronized void resolved() {
        lastError = null;
    }

    public Optional<Problem> lastError() {
        return Optional.ofNullable(lastError);
    }

    /** Who may sign the commits after the deployed one; set at startup and after each deployment of the main branch. */
    public void signersInForce(SignersInForce signers) {
        signersInForce = signers;
    }

    public Optional<SignersInForce> signersInForce() {
        return Optional.ofNullable(signersInForce);
    }

    public void nextPoll(Instant at) {
        nextPoll = at;
    }

    public Optional<Instant> nextPoll() {
        return Optional.ofNullable(nextPoll);
    }
}
