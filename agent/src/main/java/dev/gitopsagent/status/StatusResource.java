package dev.gitopsagent.status;

import java.util.List;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import dev.gitopsagent.deploy.DriftWatch;
import dev.gitopsagent.deploy.SystemProfile;
import dev.gitopsagent.git.Remote;
import dev.gitopsagent.pipeline.Reconciler;
import dev.gitopsagent.state.AgentState;
import dev.gitopsagent.state.Deployment;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/** Read-only status: what is deployed, what the remote has, what went wrong. Mutates nothing. */
@Path("/status")
@Produces(MediaType.APPLICATION_JSON)
public class StatusResource {

    private final Reconciler reconciler;
    private final LiveStatus live;
    private final SystemProfile system;
    private final Freshness freshness;
    private final RolloutStatus rollout;
    private final DriftWatch drift;
    private final String version;

    StatusResource(Reconciler reconciler, LiveStatus live, SystemProfile system, Freshness freshness, RolloutStatus rollout, DriftWatch drift,
            @ConfigProperty(name = "quarkus.application.version", defaultValue = "unknown") String version) {
        this.reconciler = reconciler;
        this.live = live;
        this.system = system;
        this.freshness = freshness;
        this.rollout = rollout;
        this.drift = drift;
        this.version = version;
    }

    @GET
    public StatusReport status() {
        AgentState state = reconciler.state();
        Reconciler.Target target = reconciler.target();
        List<Remote> remotes = reconciler.remotes();
        List<Deployment> history = state.history();
        return new StatusReport(
                version,
                target.host(),
                remotes.get(0).toString(),
                remotes.stream().skip(1).map(Remote::toString).toList(),
                target.branch(),
                target.action().toString(),
                live.phase().toString(),
                state.isSuspended(),
                state.suspension(),
                live.remoteHead().orElse(null),
                freshness.headCommittedAt().orElse(null),
                freshness.stale().orElse(null),
                target.testingBranch().orElse(null),
                live.testingHead().orElse(null),
                state.testingCommit(),
                state.deployedCommit(),
                state.deployedAt(),
                state.deployedSignature(),
                live.signersInForce().orElse(null),
                system.runningCommit().orElse(null),
                system.currentGeneration().map(g -> new StatusReport.Generation(g.number(), g.storePath())).orElse(null),
                live.lastPoll().orElse(null),
                live.nextPoll().orElse(null),
                state.lastEvaluation(),
                history.isEmpty() ? null : history.get(0),
                live.lastError().orElse(null),
                rollout.report(),
                StatusReport.Drift.of(drift.reading()));
    }

    @GET
    @Path("/history")
    public List<Deployment> history() {
        return reconciler.state().history();
    }
}
