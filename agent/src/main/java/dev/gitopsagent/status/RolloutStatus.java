package dev.gitopsagent.status;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import io.quarkus.runtime.annotations.RegisterForReflection;

import dev.gitopsagent.deploy.RebootPolicy;
import dev.gitopsagent.rollout.MaintenanceWindows;
import dev.gitopsagent.rollout.RebootClearance;
import dev.gitopsagent.rollout.RolloutPlan;
import dev.gitopsagent.rollout.Wait;
import dev.gitopsagent.state.Evaluation;
import dev.gitopsagent.state.OperatorOverride;
import dev.gitopsagent.state.StateStore;

/**
 * The host's place in the rollout, for {@code /status} and metrics: its wave, its windows, and
 * what the commit it has not activated yet waits for. Read from the durable decision, so it stays
 * true across restarts.
 */
public final class RolloutStatus {

    /**
     * The {@code rollout} object of {@code GET /status}.
     *
     * @param soak        ISO-8601, e.g. {@code PT1H}
     * @param waitingFor  {@code wave}, {@code halt}, {@code window}, {@code cache} or {@code forge}; null when nothing waits
     * @param activatesAt when the waiting commit will be activated, windows included; null for a halt, the cache or the forge gate
     * @param waitingSince when the wait began, for a wait with a deadline (the cache); null otherwise
     * @param windowOpen  null when no window is configured
     * @param override    {@code deploy-now} or {@code skip-window} while an operator's override is unused
     * @param rebootPending what a reboot into the boot default would change ({@code kernel}, {@code initrd}, ...); empty when none is pending
     * @param rebootWindows when the agent may reboot; empty: it never reboots by itself
     * @param nextRebootWindow when the next reboot window opens, while a reboot is pending and none is open
     * @param rebootWaitsFor  while a reboot is pending: the other wave's rollout slot that holds it at the first moment a
     *                        reboot window allows it, e.g. {@code reboot waits for wave 2's slot of <commit> to end at <time>}
     * @param rebootBlockedUntil with {@code rebootWaitsFor}: when the reboot is allowed, inside a reboot window and clear of
     *                        other waves' slots (never before {@code nextRebootWindow})
     */
    @RegisterForReflection
    public record Report(int wave, boolean waveDerived, int waves, String soak, List<String> windows, Boolean windowOpen,
            Instant nextWindow, String waitingFor, String waitingCommit, String waitReason, Instant activatesAt, Instant waitingSince,
            String override, List<String> rebootPending, List<String> rebootWindows, Instant nextRebootWindow, String rebootWaitsFor,
            Instant rebootBlockedUntil) {
    }

    private static final Set<String> UNTIMED = Set.of(Wait.CACHE, Wait.FORGE);

    private final RolloutPlan plan;
    private final MaintenanceWindows windows;
    private final RebootPolicy reboot;
    private final StateStore store;
    private final Clock clock;

    public RolloutStatus(RolloutPlan plan, MaintenanceWindows windows, RebootPolicy reboot, StateStore store, Clock clock) {
        this.plan = plan;
        this.windows = windows;
        this.reboot = reboot;
        this.store = store;
        this.clock = clock;
    }

    /** 1 while a reboot into the boot default would change the kernel, initrd or kernel parameters. */
    public boolean rebootPending() {
        return !reboot.pending().isEmpty();
    }

    /**
     * While another wave's slot holds a pending reboot: when the reboot is allowed (inside a reboot
     * window and clear of other waves' slots).
     */
    public Optional<Instant> rebootBlockedUntil() {
        return reboot.hold(clock.instant()).map(RebootPolicy.Hold::allowedFrom);
    }

    public int wave() {
        return plan.wave().number();
    }

    /** The decision about the current heads if it is a wait. */
    public Optional<Evaluation> waiting() {
        return store.current().evaluation().filter(evaluation -> evaluation.outcome() == Evaluation.Outcome.WAITING);
    }

    /**
     * When the waiting commit is activated: the end of its wait, moved to the next open window. Empty
     * for a halt, and for the cache and the forge gate, whose waits end when CI or an earlier wave
     * has done its part (their {@code until} is only when to look again).
     */
    public Optional<Instant> activatesAt() {
        return waiting().filter(evaluation -> !UNTIMED.contains(evaluation.waitingFor())).map(Evaluation::until).map(windows::openFrom);
    }

    public Report report() {
        Instant now = clock.instant();
        Optional<Evaluation> waiting = waiting();
        Optional<Instant> closedUntil = windows.closedUntil(now);
        List<String> rebootPending = reboot.pending();
        Optional<RebootPolicy.Hold> hold = reboot.hold(now);
        return new Report(plan.wave().number(), plan.wave().derived(), plan.waves(), plan.soak().toString(), windows.texts(),
                windows.windows().isEmpty() ? null : closedUntil.isEmpty(),
                closedUntil.orElse(null),
                waiting.map(Evaluation::waitingFor).orElse(null),
                waiting.map(Evaluation::commit).orElse(null),
                waiting.map(Evaluation::reason).orElse(null),
                activatesAt().orElse(null),
                waiting.map(Evaluation::since).orElse(null),
                store.current().pendingOverride().map(OperatorOverride::kind).map(OperatorOverride.Kind::word).orElse(null),
                rebootPending, reboot.windows().texts(),
                rebootPending.isEmpty() ? null : reboot.windows().closedUntil(now).orElse(null),
                hold.map(RebootPolicy.Hold::slot).map(RebootClearance.Held::describe).orElse(null),
                hold.map(RebootPolicy.Hold::allowedFrom).orElse(null));
    }
}
