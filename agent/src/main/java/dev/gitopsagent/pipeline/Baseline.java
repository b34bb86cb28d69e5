package dev.gitopsagent.pipeline;

import java.util.Optional;

import org.jboss.logging.Logger;

import dev.gitopsagent.deploy.SystemProfile;
import dev.gitopsagent.state.StateStore;

/**
 * The commit new deployments must descend from: the last one deployed, else the one the running
 * system says it was built from (so losing the state file does not re-open rollback), else the
 * configured trust root. Every commit after it up to the candidate is verified, so the fetch brings
 * history down to it, and the descent check and the verified path start from it.
 */
final class Baseline {

    private static final Logger LOG = Logger.getLogger(Baseline.class);

    private final Reconciler.Target target;
    private final SystemProfile system;
    private final StateStore store;

    Baseline(Reconciler.Target target, SystemProfile system, StateStore store) {
        this.target = target;
        this.system = system;
        this.store = store;
    }

    Optional<String> commit() {
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
}
