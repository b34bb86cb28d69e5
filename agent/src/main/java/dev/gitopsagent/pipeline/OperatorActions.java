package dev.gitopsagent.pipeline;

import java.io.IOException;
import java.time.Clock;
import java.util.Optional;

import org.jboss.logging.Logger;

import io.quarkus.runtime.annotations.RegisterForReflection;

import dev.gitopsagent.deploy.Action;
import dev.gitopsagent.deploy.DriftWatch;
import dev.gitopsagent.deploy.ShellLine;
import dev.gitopsagent.hooks.Hooks;
import dev.gitopsagent.deploy.NixosRebuild;
import dev.gitopsagent.deploy.ProcessRunner;
import dev.gitopsagent.deploy.SystemProfile;
import dev.gitopsagent.state.AgentState;
import dev.gitopsagent.state.Deployment;
import dev.gitopsagent.state.Evaluation;
import dev.gitopsagent.state.OperatorOverride;
import dev.gitopsagent.state.SignatureRecord;
import dev.gitopsagent.state.StateStore;
import dev.gitopsagent.state.Suspension;
import dev.gitopsagent.status.LiveStatus;
import dev.gitopsagent.status.Phase;
import dev.gitopsagent.trigger.ReconcileLoop;

/** What an operator can ask of the agent: reconcile now, pause, resume, retry, roll back, deploy now, skip the window once. */
public final class OperatorActions {

    private static final Logger LOG = Logger.getLogger(OperatorActions.class);

    /** After a rollback: stay suspended until resumed, or resume by itself when a newer commit arrives. */
    public enum AfterRollback {
        STAY_SUSPENDED, RESUME_ON_NEW_COMMIT
    }

    /**
     * The result of an action, as the API and CLI report it. Registered for reflection because the
     * control API returns it inside a {@code Response}, whose entity type a native build cannot see.
     */
    @RegisterForReflection
    public record Result(String action, boolean done, String message) {
    }

    private final Action action;
    private final StateStore store;
    private final ReconcileLoop loop;
    private final NixosRebuild rebuild;
    private final SystemProfile system;
    private final DriftWatch drift;
    private final Hooks hooks;
    private final LiveStatus status;
    private final Clock clock;

    /** {@code action} is the configured one: in dry-run an operator action runs nothing either. */
    public OperatorActions(Action action, StateStore store, ReconcileLoop loop, NixosRebuild rebuild, SystemProfile system,
            DriftWatch drift, Hooks hooks, LiveStatus status, Clock clock) {
        this.action = action;
        this.store = store;
        this.loop = loop;
        this.rebuild = rebuild;
        this.system = system;
        this.drift = drift;
        this.hooks = hooks;
        this.status = status;
        this.clock = clock;
    }

    public Result trigger() {
        boolean queued = loop.wake("operator request");
        return new Result("trigger", true, queued ? "reconcile queued" : "a reconcile was already queued");
    }

    public Result suspend(String reason) throws IOException {
        String why = reason == null || reason.isBlank() ? "suspended by operator" : reason;
        AgentState state = store.update(s -> s.isSuspended() ? s : s.withSuspension(new Suspension(why, clock.instant(), null)));
        LOG.infof("deployments suspended: %s", state.suspension().reason());
        return new Result("suspend", true, "deployments suspended: " + state.suspension().reason() + "; " + whatStillHappens());
    }

    /**
     * Read after the suspension is written: a reconcile that has not reached activation yet stops at
     * the gate before it (which moves the phase first, then reads the state).
     */
    private String whatStillHappens() {
        Phase phase = status.phase();
        return switch (phase) {
            case IDLE -> "nothing is in progress";
            case FETCHING, VERIFYING, EVALUATING, SUBSTITUTING, BUILDING -> "the reconcile in progress (" + phase + ") finishes its build but activates nothing";
            case ACTIVATING, CHECKING_HEALTH, ROLLING_BACK -> "the activation already started (" + phase
                    + ") is not interrupted: it completes, with its health check and automatic rollback";
        };
    }

    public Result resume() throws IOException {
        store.update(s -> s.withSuspension(null));
        LOG.info("deployments resumed");
        loop.wake("resumed");
        return new Result("resume", true, "deployments resumed");
    }

    /** Forgets the refusal or failure of the current head, so the next reconcile tries it again. */
    public Result retry() throws IOException {
        Optional<Evaluation> last = store.current().evaluation();
        if (last.isEmpty() || last.get().outcome() == Evaluation.Outcome.DEPLOYED) {
            return new Result("retry", false, "nothing to retry: the last decision was not a failure");
        }
        if (last.get().outcome() == Evaluation.Outcome.WAITING) {
            return new Result("retry", false, "nothing to retry: " + last.get().reason() + "; deploy-now or skip-window overrides a wave or window");
        }
        store.update(AgentState::withoutEvaluation);
        loop.wake("retry requested");
        return new Result("retry", true, "retrying " + last.get().commit());
    }

    /** The next activation happens at once: neither the wave's soak time nor a maintenance window holds it back. */
    public Result deployNow() throws IOException {
        return override(OperatorOverride.Kind.DEPLOY_NOW, "the next activation ignores the wave's soak time and the maintenance windows");
    }

    /** The next activation ignores the maintenance windows once; the wave still applies. */
    public Result skipWindow() throws IOException {
        return override(OperatorOverride.Kind.SKIP_WINDOW, "the next activation ignores the maintenance windows");
    }

    /**
     * Records the override (durably: it survives a restart until used) and looks at the head again
     * at once, so a commit already waiting goes ahead. A signed halt still holds: only a new commit
     * ends it.
     */
    private Result override(OperatorOverride.Kind kind, String effect) throws IOException {
        store.update(s -> {
            AgentState next = s.withOverride(new OperatorOverride(kind, clock.instant()));
            boolean waiting = s.evaluation().filter(e -> e.outcome() == Evaluation.Outcome.WAITING).isPresent();
            return waiting ? next.withoutEvaluation() : next;
        });
        LOG.infof("operator override %s: %s", kind.word(), effect);
        loop.wake(kind.word());
        String suspended = store.current().isSuspended() ? "; deployments are suspended: resume them for it to take effect" : "";
        return new Result(kind.word(), true, effect + suspended);
    }

    /**
     * Switches to the previous system generation and suspends automatic deployment, so the next poll
     * does not re-deploy what was just rolled back.
     */
    public Result rollback(AfterRollback after) throws Exception {
        String command = ShellLine.of(rebuild.rollbackCommand());
        if (!action.runsAnything()) {
            String message = "dry-run: would run " + command + "; nothing was run and deployments were not suspended";
            LOG.infof("rollback requested: %s", message);
            return new Result("rollback", false, message);
        }
        return loop.exclusively(() -> {
            status.phase(Phase.ROLLING_BACK);
            try {
                int before = system.currentGeneration().map(SystemProfile.Generation::number).orElse(0);
                ProcessRunner.Result result = rebuild.rollback();
                if (!result.succeeded()) {
                    String reason = "rollback failed: " + command + " " + result.describeFailure() + lastLine(result);
                    status.failed(reason);
                    return new Result("rollback", false, reason);
                }
                int now = system.currentGeneration().map(SystemProfile.Generation::number).orElse(0);
                if (now == before) {
                    String reason = "rollback changed nothing: " + command + " succeeded, but the system profile is still at generation "
                            + now + "; deployments were not suspended";
                    LOG.warn(reason);
                    status.failed(reason);
                    return new Result("rollback", false, reason);
                }
                // The operator chose what runs now: it is not drift.
                drift.activated();
                String head = status.remoteHead().orElse(null);
                String reason = "rolled back by operator from generation " + before + " to " + now;
                store.update(s -> {
                    AgentState next = s.withSuspension(new Suspension(reason, clock.instant(),
                            after == AfterRollback.RESUME_ON_NEW_COMMIT ? head : null));
                    Optional<String> running = system.runningCommit();
                    if (running.isPresent()) {
                        next = next.withDeployed(running.get(), clock.instant(), signatureOf(s, running.get()));
                    }
                    // The heads seen now stay decided, so the next poll does not deploy again what was just rolled back.
                    String observed = s.evaluation().map(Evaluation::observedHeads).orElse(null);
                    return head == null ? next : next.withEvaluation(new Evaluation(head, Evaluation.Outcome.FAILED, reason, clock.instant(), observed));
                });
                LOG.warn(reason);
                hooks.rolledBack(system.runningCommit().orElse(null), reason);
                String resume = after == AfterRollback.RESUME_ON_NEW_COMMIT ? "deployments resume when a newer commit arrives"
                        : "deployments stay suspended until resumed";
                return new Result("rollback", true, reason + "; " + resume);
            } finally {
                status.phase(Phase.IDLE);
            }
        });
    }

    /** Who signed a commit deployed before, from the history; null when it has aged out. */
    private static SignatureRecord signatureOf(AgentState state, String commit) {
        return state.history().stream()
                .filter(deployment -> deployment.commit().equals(commit) && deployment.result() == Deployment.Result.SUCCEEDED)
                .map(Deployment::signature)
                .findFirst()
                .orElse(null);
    }

    private static String lastLine(ProcessRunner.Result result) {
        return result.outputTail().isEmpty() ? "" : ": " + result.outputTail().get(result.outputTail().size() - 1);
    }
}
