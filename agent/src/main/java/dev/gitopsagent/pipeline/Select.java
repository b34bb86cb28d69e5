package dev.gitopsagent.pipeline;

import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;

import org.eclipse.jgit.lib.ObjectId;
import org.jboss.logging.Logger;

import dev.gitopsagent.deploy.Action;
import dev.gitopsagent.git.History;
import dev.gitopsagent.git.LocalMirror;
import dev.gitopsagent.rollout.ForgeGate;
import dev.gitopsagent.rollout.HaltMarker;
import dev.gitopsagent.rollout.RolloutPlan;
import dev.gitopsagent.rollout.Wait;
import dev.gitopsagent.state.AgentState;
import dev.gitopsagent.state.OperatorOverride;
import dev.gitopsagent.state.StateStore;

/**
 * Stage 3: which commit should this host run now? The testing branch wins while it sits on top of
 * the main branch; once the main branch moves past it (or it is deleted), the main branch is
 * deployed again. Once the candidate is verified, the rollout rules say whether this host takes it
 * now: a signed halt stops it, and the host's wave waits its soak time after the commit's signed
 * committer date. A newer head replaces the candidate, so a superseded commit waits on the newer
 * one's schedule.
 */
public final class Select {

    private static final Logger LOG = Logger.getLogger(Select.class);

    /**
     * What one reconcile may deploy: a commit, from which branch, activated how, the advertised
     * heads the decision about it is valid for, and the baseline it must descend from (the one the
     * fetch brought the history down to).
     */
    record Candidate(String commit, String branch, Action action, boolean testing, String observedHeads,
            Optional<Baseline.Commit> baseline) {
    }

    private final Reconciler.Target target;
    private final LocalMirror mirror;
    private final RolloutPlan plan;
    private final Optional<ForgeGate> forgeGate;
    private final StateStore store;
    private final Clock clock;

    public Select(Reconciler.Target target, LocalMirror mirror, RolloutPlan plan, Optional<ForgeGate> forgeGate, StateStore store, Clock clock) {
        this.target = target;
        this.mirror = mirror;
        this.plan = plan;
        this.forgeGate = forgeGate;
        this.store = store;
        this.clock = clock;
    }

    Step<Candidate> candidate(Fetch.Fetched fetched) throws IOException {
        ObjectId main = fetched.ids().get(target.branch());
        // A test is activated live; a host that only changes its boot default (action=boot) never runs one.
        Optional<String> testingBranch = target.testingBranch().filter(fetched.ids()::containsKey).filter(branch -> target.action() != Action.BOOT);
        if (testingBranch.isPresent()) {
            ObjectId testing = fetched.ids().get(testingBranch.get());
            if (!testing.equals(main) && History.descendsFrom(mirror.repository(), testing, main)) {
                Action action = target.action().runsAnything() ? Action.TEST : Action.DRY_RUN;
                return Step.proceed(new Candidate(testing.name(), testingBranch.get(), action, true, fetched.observedHeads(), fetched.baseline()));
            }
            if (!testing.equals(main)) {
                LOG.infof("%s does not sit on top of %s; deploying %s", testingBranch.get(), target.branch(), target.branch());
            }
        }
        return Step.proceed(new Candidate(main.name(), target.branch(), target.action(), false, fetched.observedHeads(), fetched.baseline()));
    }

    /**
     * After verification, so only a trusted signer's halt marker and committer date count. The
     * testing branch is one host's own trial and a return to the deployed commit was rolled out
     * before: neither waits for a wave.
     */
    Step<Verify.Verified> rollout(Verify.Verified verified) throws IOException, InterruptedException {
        Candidate candidate = verified.candidate();
        AgentState state = store.current();
        if (candidate.testing() || state.deployed().filter(candidate.commit()::equals).isPresent()) {
            return Step.proceed(verified);
        }
        ObjectId commit = ObjectId.fromString(candidate.commit());
        if (HaltMarker.presentIn(mirror.repository(), commit)) {
            return wait(candidate, new Wait.Halted(candidate.commit()));
        }
        Instant committedAt = mirror.commitTime(commit)
                .orElseThrow(() -> new IOException("cannot read the committer date of " + candidate.commit()));
        Instant activatesAt = plan.activationTime(committedAt);
        boolean overridden = state.pendingOverride().filter(OperatorOverride::skipsSoak).isPresent();
        if (clock.instant().isBefore(activatesAt)) {
            if (overridden) {
                LOG.infof("operator override: deploying %s now, before wave %d's time %s", candidate.commit(), plan.wave().number(), activatesAt);
                return Step.proceed(verified);
            }
            return wait(candidate, new Wait.Soak(candidate.commit(), plan.wave().number(), committedAt, activatesAt));
        }
        // Asked only once the soak time has passed: until then the earlier waves cannot have reported.
        Optional<Wait> gated = overridden || forgeGate.isEmpty() ? Optional.empty()
                : forgeGate.get().hold(candidate.commit(), plan.wave().number(), clock.instant());
        if (gated.isPresent()) {
            return wait(candidate, gated.get());
        }
        return Step.proceed(verified);
    }

    private static <T> Step<T> wait(Candidate candidate, Wait wait) {
        return Step.stop(new Halt.Waiting(candidate, wait));
    }
}
