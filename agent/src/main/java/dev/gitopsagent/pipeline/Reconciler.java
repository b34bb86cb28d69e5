package dev.gitopsagent.pipeline;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.revwalk.RevCommit;
import org.jboss.logging.Logger;

import dev.gitopsagent.deploy.Action;
import dev.gitopsagent.deploy.FlakeRef;
import dev.gitopsagent.deploy.HealthGate;
import dev.gitopsagent.deploy.NixosRebuild;
import dev.gitopsagent.deploy.ProcessRunner;
import dev.gitopsagent.deploy.SystemProfile;
import dev.gitopsagent.git.History;
import dev.gitopsagent.git.LocalMirror;
import dev.gitopsagent.git.Remote;
import dev.gitopsagent.state.AgentState;
import dev.gitopsagent.state.Attempt;
import dev.gitopsagent.state.Deployment;
import dev.gitopsagent.state.Evaluation;
import dev.gitopsagent.state.SignatureRecord;
import dev.gitopsagent.state.StateStore;
import dev.gitopsagent.status.LiveStatus;
import dev.gitopsagent.status.Phase;
import dev.gitopsagent.verify.CommitVerifier;
import dev.gitopsagent.verify.Verdict;

/**
 * One reconcile, in order: ask the remote for the branch head; fetch it; require it to descend
 * from what is deployed; verify every commit on the way; build exactly that commit; activate it;
 * record the outcome. Runs on one thread at a time.
 */
public final class Reconciler {

    private static final Logger LOG = Logger.getLogger(Reconciler.class);

    /** The fixed parts of a reconcile: which branch, which host, how to activate. */
    public record Target(String branch, String host, Action action, Optional<String> trustRoot, int historySize) {
    }

    private final Target target;
    private final List<Remote> remotes;
    private final LocalMirror mirror;
    private final CommitVerifier verifier;
    private final NixosRebuild rebuild;
    private final HealthGate health;
    private final SystemProfile system;
    private final StateStore store;
    private final LiveStatus status;
    private final Clock clock;

    public Reconciler(Target target, List<Remote> remotes, LocalMirror mirror, CommitVerifier verifier, NixosRebuild rebuild,
            HealthGate health, SystemProfile system, StateStore store, LiveStatus status, Clock clock) throws IOException {
        this.target = target;
        this.remotes = List.copyOf(remotes);
        this.mirror = mirror;
        this.verifier = verifier;
        this.rebuild = rebuild;
        this.health = health;
        this.system = system;
        this.store = store;
        this.status = status;
        this.clock = clock;
        recoverInterruptedAttempt();
    }

    public AgentState state() {
        return store.current();
    }

    public Target target() {
        return target;
    }

    public List<Remote> remotes() {
        return remotes;
    }

    public synchronized ReconcileOutcome reconcile() {
        try {
            ReconcileOutcome outcome = reconcileOnce();
            status.polled(outcome.label(), null);
            return outcome;
        } catch (IOException | RuntimeException e) {
            String reason = e.getMessage() == null ? e.toString() : e.getMessage();
            LOG.errorf("reconcile failed: %s", reason);
            status.failed(reason);
            status.polled("error", null);
            return new ReconcileOutcome.Errored(reason);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new ReconcileOutcome.Errored("interrupted");
        } finally {
            status.phase(Phase.IDLE);
        }
    }

    private ReconcileOutcome reconcileOnce() throws IOException, InterruptedException {
        status.phase(Phase.FETCHING);
        RemoteHead head = probe();
        if (head == null) {
            return new ReconcileOutcome.Errored(status.lastError().map(LiveStatus.Problem::reason).orElse("no remote answered"));
        }
        String headId = head.id().name();
        status.remoteHead(headId);
        AgentState state = store.current();
        Optional<Evaluation> decided = state.evaluation();
        if (decided.isPresent() && decided.get().isFinalFor(headId) && mirror.hasCommit(head.id())) {
            return new ReconcileOutcome.Unchanged(headId);
        }
        if (state.isSuspended()) {
            if (!state.suspension().liftedBy(headId)) {
                LOG.infof("deployments are suspended (%s); not deploying %s", state.suspension().reason(), headId);
                return new ReconcileOutcome.Suspended(headId);
            }
            LOG.infof("the branch moved to %s: resuming deployments", headId);
            store.update(s -> s.withSuspension(null));
        }
        ObjectId candidate = fetch(head.remote());
        return decide(candidate.name());
    }

    /** The remote head of the first remote that answers; failures are logged and the next remote is tried. */
    private RemoteHead probe() {
        List<String> failures = new ArrayList<>();
        for (Remote remote : remotes) {
            try {
                Optional<ObjectId> id = mirror.remoteHead(remote, target.branch());
                if (id.isPresent()) {
                    return new RemoteHead(remote, id.get());
                }
                failures.add(remote + ": branch " + target.branch() + " does not exist");
            } catch (IOException | RuntimeException e) {
                failures.add(remote + ": " + e.getMessage());
            }
        }
        String reason = "cannot read branch " + target.branch() + " from any remote: " + String.join("; ", failures);
        LOG.warn(reason);
        status.failed(reason);
        return null;
    }

    private record RemoteHead(Remote remote, ObjectId id) {
    }

    private ObjectId fetch(Remote remote) throws IOException {
        try {
            return mirror.fetch(remote, target.branch());
        } catch (IOException e) {
            if (!isLocalCorruption(e)) {
                throw new IOException("fetch from " + remote + " failed: " + e.getMessage(), e);
            }
            LOG.warnf("local clone is damaged (%s); re-cloning", e.getMessage());
            mirror.recreate();
            return mirror.fetch(remote, target.branch());
        }
    }

    private static boolean isLocalCorruption(IOException e) {
        return e instanceof org.eclipse.jgit.errors.CorruptObjectException
                || e instanceof org.eclipse.jgit.errors.MissingObjectException
                || e instanceof org.eclipse.jgit.errors.PackInvalidException;
    }

    private ReconcileOutcome decide(String candidate) throws IOException, InterruptedException {
        Optional<String> baseline = baseline();
        if (baseline.isPresent()) {
            String base = baseline.get();
            if (base.equals(candidate)) {
                store.update(s -> s.withEvaluation(evaluation(candidate, Evaluation.Outcome.DEPLOYED, null)));
                return new ReconcileOutcome.Unchanged(candidate);
            }
            if (!mirror.hasCommit(ObjectId.fromString(base))) {
                return refuse(candidate, "not a descendant: the deployed commit " + base
                        + " is not in the remote's history (force-push or rollback)");
            }
            if (!History.descendsFrom(mirror.repository(), ObjectId.fromString(candidate), ObjectId.fromString(base))) {
                return refuse(candidate, "not a descendant of the deployed commit " + base + ": force-push or rollback");
            }
        }
        status.phase(Phase.VERIFYING);
        List<RevCommit> path = History.firstParentPath(mirror.repository(), baseline.map(ObjectId::fromString),
                ObjectId.fromString(candidate));
        Verdict.Trusted headVerdict = null;
        for (RevCommit commit : path) {
            Verdict verdict = verifier.verify(mirror.repository(), commit);
            if (verdict instanceof Verdict.Refused refused) {
                String reason = refused.commit().equals(candidate) ? refused.describe()
                        : "commit " + refused.commit() + " on the path from the deployed commit is " + refused.describe();
                return refuse(candidate, reason);
            }
            headVerdict = (Verdict.Trusted) verdict;
        }
        LOG.infof("verified %d commit(s) up to %s; it is signed by %s (%s key %s)", path.size(), candidate, headVerdict.signer(),
                headVerdict.format(), headVerdict.key());
        return deploy(candidate, SignatureRecord.of(headVerdict));
    }

    /**
     * The commit new deployments must descend from: the last one deployed, else the one the running
     * system says it was built from (so losing the state file does not re-open rollback), else the
     * configured trust root.
     */
    private Optional<String> baseline() {
        Optional<String> deployed = store.current().deployed();
        if (deployed.isPresent()) {
            return deployed;
        }
        Optional<String> running = system.runningCommit();
        if (running.isPresent()) {
            LOG.infof("no deployment on record; the running system was built from %s", running.get());
            return running;
        }
        return target.trustRoot();
    }

    private ReconcileOutcome deploy(String commit, SignatureRecord signature) throws IOException, InterruptedException {
        FlakeRef flake = new FlakeRef(mirror.directory(), commit, target.host());
        Action action = target.action();
        Instant started = clock.instant();
        if (!action.runsAnything()) {
            LOG.infof("dry-run: would run: %s", String.join(" ", rebuild.buildCommand(flake)));
            LOG.infof("dry-run: would run: %s", String.join(" ", rebuild.activateCommand(Action.SWITCH, flake)));
            return succeeded(commit, action, signature, started, List.of(
                    "would run: " + String.join(" ", rebuild.buildCommand(flake)),
                    "would run: " + String.join(" ", rebuild.activateCommand(Action.SWITCH, flake))));
        }
        store.update(s -> s.withAttempt(new Attempt(commit, action.toString(), started, signature)));
        status.phase(Phase.BUILDING);
        ProcessRunner.Result build = rebuild.build(flake);
        if (!build.succeeded()) {
            return failed(commit, action, signature, started, "build " + build.describeFailure(), build.outputTail());
        }
        status.phase(Phase.ACTIVATING);
        int generationBefore = generation();
        Optional<String> previous = store.current().deployed();
        ProcessRunner.Result activation = rebuild.activate(action, flake);
        List<String> output = new ArrayList<>(build.outputTail());
        output.addAll(activation.outputTail());
        if (!activation.succeeded()) {
            String reason = action + " " + activation.describeFailure() + restore(action, generationBefore, previous);
            return failed(commit, action, signature, started, reason, output);
        }
        if (action != Action.BOOT && !health.isEmpty()) {
            status.phase(Phase.CHECKING_HEALTH);
            Optional<String> problem = health.verdict();
            if (problem.isPresent()) {
                String reason = "health check failed after " + action + ": " + problem.get() + restore(action, generationBefore, previous);
                return failed(commit, action, signature, started, reason, output);
            }
        }
        return succeeded(commit, action, signature, started, output);
    }

    /**
     * Puts the previous system back after a broken activation: a failed switch may already have
     * moved the profile and the running system. The last deployed commit is activated again (it is
     * already built); {@code switch --rollback} is only the fallback, because after an earlier failed
     * attempt the generation just below the current one can be another broken one. Returns what was
     * done, for the failure reason.
     */
    private String restore(Action action, int generationBefore, Optional<String> previous) throws IOException, InterruptedException {
        status.phase(Phase.ROLLING_BACK);
        if (action == Action.SWITCH && generation() == generationBefore) {
            return "; the system profile did not change";
        }
        ProcessRunner.Result result;
        if (previous.isPresent()) {
            result = rebuild.activate(action, new FlakeRef(mirror.directory(), previous.get(), target.host()));
        } else if (action == Action.SWITCH) {
            result = rebuild.rollback();
        } else {
            return "";
        }
        if (!result.succeeded()) {
            String message = "ROLLBACK FAILED (" + String.join(" ", result.command()) + " " + result.describeFailure()
                    + "): the host needs attention";
            LOG.error(message);
            return "; " + message;
        }
        String restored = previous.map(commit -> "; switched back to " + commit).orElse("; rolled back");
        return action == Action.SWITCH ? restored + " (generation " + generation() + ")" : restored;
    }

    private int generation() {
        return system.currentGeneration().map(SystemProfile.Generation::number).orElse(0);
    }

    private ReconcileOutcome succeeded(String commit, Action action, SignatureRecord signature, Instant started, List<String> output)
            throws IOException {
        Instant finished = clock.instant();
        Integer generation = system.currentGeneration().map(SystemProfile.Generation::number).orElse(null);
        Deployment deployment = new Deployment(commit, action.toString(), Deployment.Result.SUCCEEDED, started, finished,
                Duration.between(started, finished).toMillis(), null, signature, generation, output);
        store.update(s -> s.withDeployed(commit, finished, signature)
                .withEvaluation(evaluation(commit, Evaluation.Outcome.DEPLOYED, null))
                .withFinished(deployment, target.historySize()));
        LOG.infof("deployed %s (%s)", commit, action);
        return new ReconcileOutcome.Deployed(commit, action.toString());
    }

    private ReconcileOutcome failed(String commit, Action action, SignatureRecord signature, Instant started, String reason,
            List<String> output) throws IOException {
        Instant finished = clock.instant();
        Deployment deployment = new Deployment(commit, action.toString(), Deployment.Result.FAILED, started, finished,
                Duration.between(started, finished).toMillis(), reason, signature, null, output);
        String message = "deployment of " + commit + " failed: " + reason + "; it is not retried until the branch moves or a retry is requested";
        store.update(s -> s.withEvaluation(evaluation(commit, Evaluation.Outcome.FAILED, message)).withFinished(deployment, target.historySize()));
        LOG.error(message);
        status.failed(message);
        return new ReconcileOutcome.Failed(commit, message);
    }

    private ReconcileOutcome refuse(String commit, String reason) throws IOException {
        String message = "refused " + commit + ": " + reason;
        LOG.error(message);
        status.failed(message);
        store.update(s -> s.withEvaluation(evaluation(commit, Evaluation.Outcome.REFUSED, message)));
        return new ReconcileOutcome.Refused(commit, message);
    }

    private Evaluation evaluation(String commit, Evaluation.Outcome outcome, String reason) {
        return new Evaluation(commit, outcome, reason, clock.instant());
    }

    /**
     * A deployment that was running when the agent stopped: if the running system is that commit,
     * it was activated; otherwise it did not finish and will be tried again.
     */
    private void recoverInterruptedAttempt() throws IOException {
        Optional<Attempt> attempt = store.current().inProgress();
        if (attempt.isEmpty()) {
            return;
        }
        Attempt interrupted = attempt.get();
        boolean activated = system.runningCommit().filter(interrupted.commit()::equals).isPresent();
        Instant now = clock.instant();
        Deployment.Result result = activated ? Deployment.Result.SUCCEEDED : Deployment.Result.INTERRUPTED;
        String reason = activated ? "agent stopped after activation; read back from the running system"
                : "agent stopped before the deployment finished";
        Deployment deployment = new Deployment(interrupted.commit(), interrupted.action(), result, interrupted.startedAt(), now,
                Duration.between(interrupted.startedAt(), now).toMillis(), reason, interrupted.signature(), null, List.of());
        LOG.warnf("previous run was interrupted while deploying %s: %s", interrupted.commit(), reason);
        store.update(loaded -> {
            AgentState recovered = loaded.withFinished(deployment, target.historySize());
            return activated ? recovered.withDeployed(interrupted.commit(), now, interrupted.signature())
                    .withEvaluation(evaluation(interrupted.commit(), Evaluation.Outcome.DEPLOYED, null)) : recovered;
        });
    }
}
