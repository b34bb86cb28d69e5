package dev.gitopsagent.control;

import dev.gitopsagent.pipeline.OperatorActions;
import dev.gitopsagent.pipeline.OperatorActions.AfterRollback;
import dev.gitopsagent.pipeline.OperatorActions.Result;
import io.smallrye.common.annotation.Blocking;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * The control API. Every endpoint here changes what the host does, so {@link ControlAuthFilter}
 * requires the bearer token for all of {@code /control}.
 */
@Path("/control")
@Produces(MediaType.APPLICATION_JSON)
@Blocking
public class ControlResource {

    private final OperatorActions actions;

    ControlResource(OperatorActions actions) {
        this.actions = actions;
    }

    @POST
    @Path("/trigger")
    public Response trigger() {
        return respond(actions.trigger());
    }

    @POST
    @Path("/suspend")
    public Response suspend(@QueryParam("reason") String reason) throws Exception {
        return respond(actions.suspend(reason));
    }

    @POST
    @Path("/resume")
    public Response resume() throws Exception {
        return respond(actions.resume());
    }

    @POST
    @Path("/retry")
    public Response retry() throws Exception {
        return respond(actions.retry());
    }

    /** The next activation ignores the wave's soak time and the maintenance windows. */
    @POST
    @Path("/deploy-now")
    public Response deployNow() throws Exception {
        return respond(actions.deployNow());
    }

    /** The next activation ignores the maintenance windows; the wave still applies. */
    @POST
    @Path("/skip-window")
    public Response skipWindow() throws Exception {
        return respond(actions.skipWindow());
    }

    /** {@code ?resume=on-new-commit} resumes by itself when the branch moves; the default stays suspended. */
    @POST
    @Path("/rollback")
    public Response rollback(@QueryParam("resume") String resume) throws Exception {
        AfterRollback after;
        if (resume == null || resume.equals("manual")) {
            after = AfterRollback.STAY_SUSPENDED;
        } else if (resume.equals("on-new-commit")) {
            after = AfterRollback.RESUME_ON_NEW_COMMIT;
        } else {
            return Response.status(Response.Status.BAD_REQUEST)
                    .entity(new Result("rollback", false, "resume must be 'manual' or 'on-new-commit', not '" + resume + "'")).build();
        }
        return respond(actions.rollback(after));
    }

    private static Response respond(Result result) {
        return Response.status(result.done() ? Response.Status.OK : Response.Status.CONFLICT).entity(result).build();
    }
}
