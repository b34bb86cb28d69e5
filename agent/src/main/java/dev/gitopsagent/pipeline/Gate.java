package dev.gitopsagent.pipeline;

import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;

import org.jboss.logging.Logger;

import dev.gitopsagent.rollout.MaintenanceWindows;
import dev.gitopsagent.rollout.Wait;
import dev.gitopsagent.state.AgentState;
import dev.gitopsagent.state.StateStore;
import dev.gitopsagent.status.LiveStatus;
import dev.gitopsagent.status.Phase;

/**
 * May the reconcile go on now? While an operator has suspended deployments it stops; a suspension
 * that waits for a newer commit lifts itself when the branch moves. A built system waits for the
 * next maintenance window before it is activated, unless an operator overrides it once.
 */
public final class Gate {

    private static final Logger LOG = Logger.getLogger(Gate.class);

    private final StateStore store;
    private final LiveStatus status;
    private final MaintenanceWindows windows;
    private final Clock clock;

    public Gate(StateStore store, LiveStatus status, MaintenanceWindows windows, Clock clock) {
        this.store = store;
        this.status = status;
        this.windows = windows;
        this.clock = clock;
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

    /**
     * After the build, before anything changes on the host: the activation waits for a maintenance
     * window (the window is spent activating, not compiling) unless an operator overrides it once;
     * and an operator may have suspended deployments while the build ran. Nothing is activated then;
     * the commit is tried again on resume.
     */
    Step<Realise.Built> mayActivate(Realise.Built built) {
        Optional<Instant> closedUntil = windows.closedUntil(clock.instant());
        if (closedUntil.isPresent()) {
            Select.Candidate candidate = built.candidate();
            if (store.current().pendingOverride().isEmpty()) {
                return Step.stop(new Halt.Waiting(candidate, new Wait.Window(candidate.commit(), windows.describe(), closedUntil.get())));
            }
            LOG.infof("operator override: activating %s outside the maintenance windows", candidate.commit());
        }
        // The phase moves first, then the state is read: a suspend that still sees an earlier phase is seen here
        // (OperatorActions.suspend writes the state first, then reads the phase, to tell what will still happen).
        status.phase(Phase.ACTIVATING);
        AgentState state = store.current();
        // A suspension that lifts itself when the branch moves was checked before the fetch; one set since then holds.
        if (state.isSuspended()) {
            return Step.stop(new Halt.SuspendedBeforeActivation(built, state.suspension().reason()));
        }
        return Step.proceed(built);
    }
}
