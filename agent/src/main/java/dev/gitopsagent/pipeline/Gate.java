package dev.gitopsagent.pipeline;

import java.io.IOException;

import org.jboss.logging.Logger;

import dev.gitopsagent.state.AgentState;
import dev.gitopsagent.state.StateStore;

/**
 * May the reconcile go on now? While an operator has suspended deployments it stops; a suspension
 * that waits for a newer commit lifts itself when the branch moves.
 */
public final class Gate {

    private static final Logger LOG = Logger.getLogger(Gate.class);

    private final StateStore store;

    public Gate(StateStore store) {
        this.store = store;
    }

    /** Before fetching: a suspended host does not even fetch. */
    Step<Probe.RemoteHeads> mayFetch(Probe.RemoteHeads heads) throws IOException {
        String mainHead = heads.main().name();
        AgentState state = store.current();
        if (state.isSuspended()) {
            if (!state.suspension().liftedBy(mainHead)) {
                LOG.infof("deployments are suspended (%s); not deploying %s", state.suspension().reason(), mainHead);
                return Step.stop(new Halt.Suspended(mainHead));
            }
            LOG.infof("the branch moved to %s: resuming deployments", mainHead);
            store.update(s -> s.withSuspension(null));
        }
        return Step.proceed(heads);
    }
}
