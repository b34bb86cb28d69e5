package dev.gitopsagent.pipeline;

import java.io.IOException;
import java.util.Optional;

import org.eclipse.jgit.lib.ObjectId;
import org.jboss.logging.Logger;

import dev.gitopsagent.deploy.Action;
import dev.gitopsagent.git.History;
import dev.gitopsagent.git.LocalMirror;

/**
 * Stage 3: which commit should this host run now? The testing branch wins while it sits on top of
 * the main branch; once the main branch moves past it (or it is deleted), the main branch is
 * deployed again.
 */
public final class Select {

    private static final Logger LOG = Logger.getLogger(Select.class);

    /**
     * What one reconcile may deploy: a commit, from which branch, activated how, and the advertised
     * heads the decision about it is valid for.
     */
    record Candidate(String commit, String branch, Action action, boolean testing, String observedHeads) {
    }

    private final Reconciler.Target target;
    private final LocalMirror mirror;

    public Select(Reconciler.Target target, LocalMirror mirror) {
        this.target = target;
        this.mirror = mirror;
    }

    Step<Candidate> candidate(Fetch.Fetched fetched) throws IOException {
        ObjectId main = fetched.ids().get(target.branch());
        // A test is activated live; a host that only changes its boot default (action=boot) never runs one.
        Optional<String> testingBranch = target.testingBranch().filter(fetched.ids()::containsKey).filter(branch -> target.action() != Action.BOOT);
        if (testingBranch.isPresent()) {
            ObjectId testing = fetched.ids().get(testingBranch.get());
            if (!testing.equals(main) && History.descendsFrom(mirror.repository(), testing, main)) {
                Action action = target.action().runsAnything() ? Action.TEST : Action.DRY_RUN;
                return Step.proceed(new Candidate(testing.name(), testingBranch.get(), action, true, fetched.observedHeads()));
            }
            if (!testing.equals(main)) {
                LOG.infof("%s does not sit on top of %s; deploying %s", testingBranch.get(), target.branch(), target.branch());
            }
        }
        return Step.proceed(new Candidate(main.name(), target.branch(), target.action(), false, fetched.observedHeads()));
    }
}
