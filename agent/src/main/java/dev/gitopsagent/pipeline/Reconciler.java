package dev.gitopsagent.pipeline;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import org.eclipse.jgit.errors.CorruptObjectException;
import org.eclipse.jgit.errors.MissingObjectException;
import org.eclipse.jgit.errors.PackInvalidException;
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

    /**
     * The fixed parts of a reconcile: which branches, which host, how to activate.
     *
     * @param testingBranch a branch that, when it sits on top of {@code branch}, is deployed with {@code test}
     */
    public record Target(String branch, Optional<String> testingBranch, String host, Action action, Optional<String> trustRoot,
            int historySize) {

        /** The branches one poll asks for: the main one, then the testing one. */
        public List<String> branches() {
            return testingBranch.map(testing -> List.of(branch, testing)).orElse(List.of(branch));
        }
    }

    /** What one reconcile may deploy: a commit, from which branch, activated how. */
    private record Candidate(String commit, String branch, Action action, boolean testing) {
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
    /** The remote that answered the last probe, for status. */
    private volatile Remote answering;

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
            status.polled(outcome.label(), answering == null ? null : answering.toString());
            return outcome;
        } catch (IOException | RuntimeException e) {
            String reason = e.getMessage() == null ? e.toString() : e.getMessage();
            LOG.errorf("reconcile failed: %s", reason);
            status.failed(reason);
            status.polled("error", answering == null ? null : answering.toString());
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
        RemoteHeads heads = probe();
        String mainHead = heads.ids().get(target.branch()).name();
        String observed = heads.describe();
        status.remoteHead(mainHead);
        status.testingHead(target.testingBranch().map(heads.ids()::get).map(ObjectId::name).orElse(null));
        AgentState state = store.current();
        Optional<Evaluation> decided = state.evaluation();
        if (decided.isPresent() && decided.get().isFinalFor(observed) && heads.ids().values().stream().allMatch(mirror::hasCommit)) {
            status.remoteHeadCommittedAt(mirror.commitTime(heads.ids().get(target.branch())).orElse(null));
            return new ReconcileOutcome.Unchanged(mainHead);
        }
        if (state.isSuspended()) {
            if (!state.suspension().liftedBy(mainHead)) {
                LOG.infof("deployments are suspended (%s); not deploying %s", state.suspension().reason(), mainHead);
                return new ReconcileOutcome.Suspended(mainHead);
            }
            LOG.infof("the branch moved to %s: resuming deployments", mainHead);
            store.update(s -> s.withSuspension(null));
        }
        Map<String, ObjectId> fetched = fetch(heads.remote(), heads.ids().keySet());
        status.remoteHeadCommittedAt(mirror.commitTime(fetched.get(target.branch())).orElse(null));
        return decide(choose(fetched), observed);
    }

    /** The branch heads from the first remote that answers; a remote that fails is skipped for the next. */
    private RemoteHeads probe() throws IOException {
        List<String> failures = new ArrayList<>();
        for (Remote remote : remotes) {
            try {
                Map<String, ObjectId> ids = mirror.remoteHeads(remote, target.branches());
                if (ids.containsKey(target.branch())) {
                    answering = remote;
                    return new RemoteHeads(remote, ids);
                }
                failures.add(remote + ": branch " + target.branch() + " does not exist");
            } catch (IOException | RuntimeException e) {
                failures.add(remote + ": " + e.getMessage());
            }
        }
        answering = null;
        throw new IOException("cannot read branch " + target.branch() + " from any remote: " + String.join("; ", failures));
    }

    /** The branch heads one remote advertised; the main branch is always among them. */
    private record RemoteHeads(Remote remote, Map<String, ObjectId> ids) {
        String describe() {
            StringBuilder text = new StringBuilder();
            new TreeMap<>(ids).forEach((branch, id) -> text.append(text.length() == 0 ? "" : " ").append(branch).append('=').append(id.name()));
            return text.toString();
        }
    }

    private Map<String, ObjectId> fetch(Remote remote, Collection<String> branches) throws IOException {
        Map<String, ObjectId> fetched;
        try {
            fetched = mirror.fetch(remote, branches);
        } catch (IOException e) {
            if (!isLocalCorruption(e)) {
                throw new IOException("fetch from " + remote + " failed: " + e.getMessage(), e);
            }
            LOG.warnf("local clone is damaged (%s); re-cloning", e.getMessage());
            mirror.recreate();
            return mirror.fetch(remote, branches);
        }
        if (!fetched.values().stream().allMatch(mirror::isComplete)) {
            LOG.warn("local clone is missing objects of the fetched commits; re-cloning");
            mirror.recreate();
            fetched = mirror.fetch(remote, branches);
        }
        return fetched;
    }

    /**
     * The testing branch wins while it sits on top of the main branch; once the main branch moves
     * past it (or it is deleted), the main branch is deployed again.
     */
    private Candidate choose(Map<String, ObjectId> fetched) throws IOException {
        ObjectId main = fetched.get(target.branch());
        Optional<String> testingBranch = target.testingBranch().filter(fetched::containsKey);
        if (testingBranch.isPresent()) {
            ObjectId testing = fetched.get(testingBranch.get());
            if (!testing.equals(main) && History.descendsFrom(mirror.repository(), testing, main)) {
                Action action = target.action().runsAnything() ? Action.TEST : Action.DRY_RUN;
                return new Candidate(testing.name(), testingBranch.get(), action, true);
            }
            if (!testing.equals(main)) {
                LOG.infof("%s does not sit on top of %s; deploying %s", testingBranch.get(), target.branch(), target.branch());
            }
        }
        return new Candidate(main.name(), target.branch(), target.action(), false);
    }

    private static boolean isLocalCorruption(IOException e) {
        return e instanceof CorruptObjectException || e instanceof MissingObjectException || e instanceof PackInvalidException;
    }

    private ReconcileOutcome decide(Candidate candidate, String observed) throws IOException, InterruptedException {
        String commit = candidate.commit();
        AgentState state = store.current();
        Optional<String> baseline = baseline();
        if (baseline.isPresent()) {
            String base = baseline.get();
            if (base.equals(commit)) {
                if (state.testingCommit() == null) {
                    store.update(s -> s.withEvaluation(evaluation(commit, Evaluation.Outcome.DEPLOYED, null, observed)));
                    return new ReconcileOutcome.Unchanged(commit);
                }
                LOG.infof("the testing branch no longer sits on top of %s: returning to %s", target.branch(), commit);
                return deploy(candidate, state.deployedSignature(), observed);
            }
            if (!mirror.hasCommit(ObjectId.fromString(base))) {
                return refuse(commit, "not a descendant: the deployed commit " + base
                        + " is not in the remote's history (force-push or rollback)", observed);
            }
            if (!History.descendsFrom(mirror.repository(), ObjectId.fromString(commit), ObjectId.fromString(base))) {
                return refuse(commit, "not a descendant of the deployed commit " + base + ": force-push or rollback", observed);
            }
        }
        if (candidate.testing() && commit.equals(state.testingCommit())) {
            store.update(s -> s.withEvaluation(evaluation(commit, Evaluation.Outcome.DEPLOYED, null, observed)));
            return new ReconcileOutcome.Unchanged(commit);
        }
        status.phase(Phase.VERIFYING);
        List<RevCommit> path = History.firstParentPath(mirror.repository(), baseline.map(ObjectId::fromString),
                ObjectId.fromString(commit));
        Verdict.Trusted headVerdict = null;
        for (RevCommit onPath : path) {
            Verdict verdict = verifier.verify(mirror.repository(), onPath);
            if (verdict instanceof Verdict.Refused refused) {
                String reason = refused.commit().equals(commit) ? refused.describe()
                        : "commit " + refused.commit() + " on the path from the deployed commit is " + refused.describe();
                return refuse(commit, reason, observed);
            }
            headVerdict = (Verdict.Trusted) verdict;
        }
        LOG.infof("verified %d commit(s) up to %s (%s); it is signed by %s (%s key %s)", path.size(), commit, candidate.branch(),
                headVerdict.signer(), headVerdict.format(), headVerdict.key());
        return deploy(candidate, SignatureRecord.of(headVerdict), observed);
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

    private ReconcileOutcome deploy(Candidate candidate, SignatureRecord signature, String observed)
            throws IOException, InterruptedException {
        String commit = candidate.commit();
        FlakeRef flake = new FlakeRef(mirror.directory(), candidate.branch(), commit, target.host());
        Action action = candidate.action();
        Instant started = clock.instant();
        if (!action.runsAnything()) {
            List<String> wouldRun = List.of(
                    "would run: " + String.join(" ", rebuild.buildCommand(flake)),
                    "would run: " + String.join(" ", rebuild.activateCommand(candidate.testing() ? Action.TEST : Action.SWITCH, flake)));
            wouldRun.forEach(line -> LOG.infof("dry-run: %s", line));
            return succeeded(candidate, action, signature, started, wouldRun, observed);
        }
        store.update(s -> s.withAttempt(new Attempt(commit, action.toString(), started, signature)));
        status.phase(Phase.BUILDING);
        ProcessRunner.Result build = rebuild.build(flake);
        if (!build.succeeded()) {
            return failed(commit, action, signature, started, "build " + build.describeFailure(), build.outputTail(), observed);
        }
        status.phase(Phase.ACTIVATING);
        int generationBefore = generation();
        // What to go back to if this breaks the host: for a test, whatever runs now; for a switch, the boot default.
        Optional<String> previous = candidate.testing() ? store.current().running() : store.current().deployed();
        ProcessRunner.Result activation = rebuild.activate(action, flake);
        List<String> output = new ArrayList<>(build.outputTail());
        output.addAll(activation.outputTail());
        if (!activation.succeeded()) {
            String reason = action + " " + activation.describeFailure() + restore(action, candidate.branch(), generationBefore, previous);
            return failed(commit, action, signature, started, reason, output, observed);
        }
        if (action != Action.BOOT && !health.isEmpty()) {
            status.phase(Phase.CHECKING_HEALTH);
            Optional<String> problem = health.verdict();
            if (problem.isPresent()) {
                String reason = "health check failed after " + action + ": " + problem.get() + restore(action, candidate.branch(), generationBefore, previous);
                return failed(commit, action, signature, started, reason, output, observed);
            }
        }
        return succeeded(candidate, action, signature, started, output, observed);
    }

    /**
     * Puts the previous system back after a broken activation: a failed switch may already have
     * moved the profile and the running system. The last deployed commit is activated again (it is
     * already built); {@code switch --rollback} is only the fallback, because after an earlier failed
     * attempt the generation just below the current one can be another broken one. The previous
     * commit is an ancestor of the one just tried, so it is built from the same branch (and Nix's
     * fetcher cache already holds any commit it built before). Returns what
     * was done, for the failure reason.
     */
    private String restore(Action action, String branch, int generationBefore, Optional<String> previous) throws IOException, InterruptedException {
        status.phase(Phase.ROLLING_BACK);
        if (action == Action.SWITCH && generation() == generationBefore) {
            return "; the system profile did not change";
        }
        ProcessRunner.Result result;
        if (previous.isPresent()) {
            result = rebuild.activate(action, new FlakeRef(mirror.directory(), branch, previous.get(), target.host()));
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

    private ReconcileOutcome succeeded(Candidate candidate, Action action, SignatureRecord signature, Instant started, List<String> output,
            String observed) throws IOException {
        String commit = candidate.commit();
        Instant finished = clock.instant();
        Integer generation = system.currentGeneration().map(SystemProfile.Generation::number).orElse(null);
        Deployment deployment = new Deployment(commit, action.toString(), Deployment.Result.SUCCEEDED, started, finished,
                Duration.between(started, finished).toMillis(), null, signature, generation, output);
        store.update(s -> (candidate.testing() ? s.withTesting(commit) : s.withDeployed(commit, finished, signature))
                .withEvaluation(evaluation(commit, Evaluation.Outcome.DEPLOYED, null, observed))
                .withFinished(deployment, target.historySize()));
        LOG.infof("deployed %s from %s (%s)", commit, candidate.branch(), action);
        return new ReconcileOutcome.Deployed(commit, action.toString());
    }

    private ReconcileOutcome failed(String commit, Action action, SignatureRecord signature, Instant started, String reason,
            List<String> output, String observed) throws IOException {
        Instant finished = clock.instant();
        Deployment deployment = new Deployment(commit, action.toString(), Deployment.Result.FAILED, started, finished,
                Duration.between(started, finished).toMillis(), reason, signature, null, output);
        String message = "deployment of " + commit + " failed: " + reason + "; it is not retried until the branch moves or a retry is requested";
        store.update(s -> s.withEvaluation(evaluation(commit, Evaluation.Outcome.FAILED, message, observed))
                .withFinished(deployment, target.historySize()));
        LOG.error(message);
        status.failed(message);
        return new ReconcileOutcome.Failed(commit, message);
    }

    private ReconcileOutcome refuse(String commit, String reason, String observed) throws IOException {
        String message = "refused " + commit + ": " + reason;
        LOG.error(message);
        status.failed(message);
        store.update(s -> s.withEvaluation(evaluation(commit, Evaluation.Outcome.REFUSED, message, observed)));
        return new ReconcileOutcome.Refused(commit, message);
    }

    private Evaluation evaluation(String commit, Evaluation.Outcome outcome, String reason, String observed) {
        return new Evaluation(commit, outcome, reason, clock.instant(), observed);
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
            if (!activated) {
                return recovered;
            }
            return interrupted.action().equals(Action.TEST.toString()) ? recovered.withTesting(interrupted.commit())
                    : recovered.withDeployed(interrupted.commit(), now, interrupted.signature());
        });
    }
}
