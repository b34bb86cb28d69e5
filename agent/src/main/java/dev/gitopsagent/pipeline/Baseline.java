package dev.gitopsagent.pipeline;

import java.io.IOException;
import java.util.Optional;

import org.jboss.logging.Logger;

import dev.gitopsagent.deploy.SystemProfile;
import dev.gitopsagent.state.HighWaterMark;
import dev.gitopsagent.state.StateStore;

/**
 * The commit new deployments must descend from: the last one deployed, else the high-water mark
 * kept outside the state directory, else the one the running system says it was built from (so
 * losing the state file does not re-open rollback), else the configured trust root. Every commit
 * after it up to the candidate is verified, so the fetch brings history down to it, and the descent
 * check and the verified path start from it.
 */
public final class Baseline {

    private static final Logger LOG = Logger.getLogger(Baseline.class);

    private final Reconciler.Target target;
    private final SystemProfile system;
    private final StateStore store;
    private final HighWaterMark mark;

    public Baseline(Reconciler.Target target, SystemProfile system, StateStore store, HighWaterMark mark) {
        this.target = target;
        this.system = system;
        this.store = store;
        this.mark = mark;
    }

    /**
     * A baseline commit, and whether it is the configured trust root alone because nothing was ever
     * deployed here as far as any record says: then the root is where trust starts, not something that runs.
     */
    record Commit(String id, boolean onlyTheTrustRoot) {
    }

    /**
     * Looked up once per reconcile, by the fetch, and handed on with the candidate: the descent check
     * and the verified path start from the same commit the history was fetched down to.
     */
    Optional<Commit> find() throws IOException {
        Optional<String> deployed = store.current().deployed();
        if (deployed.isPresent()) {
            return deployed.map(id -> new Commit(id, false));
        }
        Optional<String> highWater = mark.commit();
        if (highWater.isPresent()) {
            LOG.infof("no deployment on record; the high-water mark %s says %s was deployed", mark.file(), highWater.get());
            return highWater.map(id -> new Commit(id, false));
        }
        Optional<String> running = system.runningCommit();
        if (running.isPresent()) {
            LOG.infof("no deployment on record; the running system was built from %s", running.get());
            return running.map(id -> new Commit(id, false));
        }
        return target.trustRoot().map(root -> new Commit(root, true));
    }
}
