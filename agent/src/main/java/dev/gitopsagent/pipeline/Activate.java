package dev.gitopsagent.pipeline;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.jboss.logging.Logger;

import dev.gitopsagent.deploy.Action;
import dev.gitopsagent.deploy.HealthGate;
import dev.gitopsagent.deploy.NixosRebuild;
import dev.gitopsagent.deploy.ProcessRunner;
import dev.gitopsagent.deploy.RebootPolicy;
import dev.gitopsagent.deploy.ShellLine;
import dev.gitopsagent.deploy.SystemProfile;
import dev.gitopsagent.deploy.ToplevelActivation;
import dev.gitopsagent.git.LocalMirror;
import dev.gitopsagent.state.Attempt;
import dev.gitopsagent.state.StateStore;
import dev.gitopsagent.status.LiveStatus;
import dev.gitopsagent.status.Phase;

/**
 * Stage 7: switch, boot or test the built system, then check its health; if either fails, put the
 * previous system back. In dry-run it logs the command.
 */
public final class Activate {

    private static final Logger LOG = Logger.getLogger(Activate.class);

    /** An activated (or, in dry-run, described) system, how, and everything its commands printed. */
    record Activated(Realise.Built built, Action action, List<String> output) {

        Select.Candidate candidate() {
            return built.candidate();
        }
    }

    private static final int UNKNOWN_GENERATION = -1;

    private final Reconciler.Target target;
    private final LocalMirror mirror;
    private final NixosRebuild rebuild;
    private final ToplevelActivation byPath;
    private final HealthGate health;
    private final RebootPolicy reboot;
    private final SystemProfile system;
    private final StateStore store;
    private final LiveStatus status;

    public Activate(Reconciler.Target target, LocalMirror mirror, NixosRebuild rebuild, ToplevelActivation byPath, HealthGate health,
            RebootPolicy reboot, SystemProfile system, StateStore store, LiveStatus status) {
        this.target = target;
        this.mirror = mirror;
        this.rebuild = rebuild;
        this.byPath = byPath;
        this.health = health;
        this.reboot = reboot;
        this.system = system;
        this.store = store;
        this.status = status;
    }

    Step<Activated> activate(Realise.Built built) throws IOException, InterruptedException {
        Select.Candidate candidate = built.candidate();
        Action action = candidate.action();
        if (!action.runsAnything()) {
            Action described = candidate.testing() ? Action.TEST : Action.SWITCH;
            List<String> output = new ArrayList<>(built.output());
            List<List<String>> commands = built.toplevel().map(toplevel -> byPath.commands(described, toplevel))
                    .orElseGet(() -> List.of(rebuild.activateCommand(described, built.flake())));
            for (List<String> command : commands) {
                String wouldRun = "would run: " + ShellLine.of(command);
                LOG.infof("dry-run: %s", wouldRun);
                output.add(wouldRun);
            }
            return Step.proceed(new Activated(built, action, output));
        }
        // A generation that needs a reboot may be made the boot default only (the reboot policy).
        action = reboot.actionFor(action, built.toplevel());
        int generationBefore = generation();
        // What to go back to if this breaks the host: for a test, whatever runs now; for a switch, the boot default.
        Optional<String> previous = candidate.testing() ? store.current().running() : store.current().deployed();
        // In cache mode exactly the realised path; nixos-rebuild would evaluate and build again.
        ProcessRunner.Result activation = built.toplevel().isPresent() ? byPath.activate(action, built.toplevel().get())
                : rebuild.activate(action, built.flake());
        List<String> output = new ArrayList<>(built.output());
        output.addAll(activation.outputTail());
        if (!activation.succeeded()) {
            Restored restored = restore(action, candidate.branch(), generationBefore, previous);
            String reason = action + " " + activation.describeFailure() + restored.description();
            return Step.stop(new Halt.Failed(built, reason, restored.rollback(), output));
        }
        if (action != Action.BOOT && !health.isEmpty()) {
            status.phase(Phase.CHECKING_HEALTH);
            Optional<String> problem = health.verdict();
            if (problem.isPresent()) {
                Restored restored = restore(action, candidate.branch(), generationBefore, previous);
                String reason = "health check failed after " + action + ": " + problem.get() + restored.description();
                return Step.stop(new Halt.Failed(built, reason, restored.rollback(), output));
            }
        }
        return Step.proceed(new Activated(built, action, output));
    }

    /**
     * The health gate again, for an activation the agent was stopped during (its checks may not have
     * run to the end). A failed check restores the previous system as after any activation. Returns
     * the failure, if any.
     */
    Optional<String> recheck(Attempt interrupted) throws IOException, InterruptedException {
        Action action = Action.parse(interrupted.action());
        if (action == Action.BOOT || !action.runsAnything() || health.isEmpty()) {
            return Optional.empty();
        }
        status.phase(Phase.CHECKING_HEALTH);
        try {
            Optional<String> problem = health.verdict();
            if (problem.isEmpty()) {
                return Optional.empty();
            }
            boolean testing = action == Action.TEST;
            Optional<String> previous = testing ? store.current().running() : store.current().deployed();
            String branch = testing ? target.testingBranch().orElse(target.branch()) : target.branch();
            // The generation before the interrupted switch is unknown: restore unconditionally.
            return Optional.of("health check failed after " + action + ": " + problem.get() + restore(action, branch, UNKNOWN_GENERATION, previous));
        } finally {
            status.phase(Phase.IDLE);
        }
    }

    /**
     * Puts the previous system back after a broken activation: a failed switch may already have
     * moved the profile and the running system. The last deployed commit is activated again (it is
     * already built); {@code switch --rollback} is only the fallback, because after an earlier failed
     * attempt the generation just below the current one can be another broken one. The previous
     * commit is an ancestor of the one just tried, so it is built from the same branch (and Nix's
     * fetcher cache already holds any commit it built before). Returns what was done, for the
     * failure reason and the metrics.
     */
    private Restored restore(Action action, String branch, int generationBefore, Optional<String> previous) throws IOException, InterruptedException {
        status.phase(Phase.ROLLING_BACK);
        if (action == Action.SWITCH && generation() == generationBefore) {
            return new Restored(ReconcileOutcome.Rollback.NOT_NEEDED, "; the system profile did not change");
        }
        ProcessRunner.Result result;
        if (previous.isPresent()) {
            result = rebuild.activate(action, mirror.flake(branch, previous.get(), target.host()));
        } else if (action == Action.SWITCH) {
            result = rebuild.rollback();
        } else {
            return new Restored(ReconcileOutcome.Rollback.NOT_NEEDED, "");
        }
        if (!result.succeeded()) {
            String message = "ROLLBACK FAILED (" + ShellLine.of(result.command()) + " " + result.describeFailure()
                    + "): the host needs attention";
            LOG.error(message);
            return new Restored(ReconcileOutcome.Rollback.FAILED, "; " + message);
        }
        String restored = previous.map(commit -> "; switched back to " + commit).orElse("; rolled back");
        return new Restored(ReconcileOutcome.Rollback.SUCCEEDED,
                action == Action.SWITCH ? restored + " (generation " + generation() + ")" : restored);
    }

    /** What {@link #restore} did, and its words for the failure reason. */
    private record Restored(ReconcileOutcome.Rollback rollback, String description) {
    }

    private int generation() {
        return system.currentGeneration().map(SystemProfile.Generation::number).orElse(0);
    }
}
