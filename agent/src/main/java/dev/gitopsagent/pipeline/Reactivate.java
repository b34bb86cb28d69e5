package dev.gitopsagent.pipeline;

import java.io.IOException;
import java.util.Optional;

import org.jboss.logging.Logger;

import dev.gitopsagent.deploy.Action;
import dev.gitopsagent.deploy.DriftWatch;
import dev.gitopsagent.deploy.FlakeRef;
import dev.gitopsagent.deploy.NixosRebuild;
import dev.gitopsagent.deploy.ProcessRunner;
import dev.gitopsagent.deploy.ShellLine;
import dev.gitopsagent.git.LocalMirror;
import dev.gitopsagent.state.StateStore;

/**
 * Self-heal after drift: activates again the commit the agent last made live (the testing commit
 * with {@code test} while a test is active, else the deployed one with {@code switch}). That commit
 * was verified when it was deployed and is still in the mirror; its build is in the store. In
 * dry-run it only says what it would run.
 */
public final class Reactivate implements DriftWatch.Heal {

    private static final Logger LOG = Logger.getLogger(Reactivate.class);

    private final Reconciler.Target target;
    private final LocalMirror mirror;
    private final NixosRebuild rebuild;
    private final StateStore store;

    public Reactivate(Reconciler.Target target, LocalMirror mirror, NixosRebuild rebuild, StateStore store) {
        this.target = target;
        this.mirror = mirror;
        this.rebuild = rebuild;
        this.store = store;
    }

    @Override
    public void heal() throws IOException, InterruptedException {
        Optional<String> commit = store.current().running();
        if (commit.isEmpty()) {
            return;
        }
        boolean testing = store.current().testingCommit() != null;
        Action action = testing ? Action.TEST : Action.SWITCH;
        String branch = testing ? target.testingBranch().orElse(target.branch()) : target.branch();
        FlakeRef flake = mirror.flake(branch, commit.get(), target.host());
        if (!target.action().runsAnything()) {
            LOG.infof("dry-run: self-heal would run: %s", ShellLine.of(rebuild.activateCommand(action, flake)));
            return;
        }
        ProcessRunner.Result result = rebuild.activate(action, flake);
        if (!result.succeeded()) {
            throw new IOException("self-heal " + action + " of " + commit.get() + " " + result.describeFailure());
        }
        LOG.infof("self-heal: %s of %s activated again", action, commit.get());
    }
}
