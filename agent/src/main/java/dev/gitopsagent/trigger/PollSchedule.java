package dev.gitopsagent.trigger;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import dev.gitopsagent.config.InvalidConfigException;
import dev.gitopsagent.config.StartupChecks;
import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.quarkus.scheduler.Scheduler;
import io.quarkus.vertx.http.HttpServerStart;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.ObservesAsync;
import jakarta.enterprise.inject.Instance;

/**
 * Drives {@link ReconcileLoop} from the scheduler. The tick is short and cheap; the loop itself
 * decides when a poll is due, which is how interval, jitter and back-off stay in one place. The
 * scheduler starts halted and is resumed only once the pipeline is built and the HTTP port is bound,
 * so a broken configuration is reported once, plainly, and not as a failed tick, and nothing is
 * deployed by an agent that cannot serve its API.
 */
@ApplicationScoped
public class PollSchedule {

    private static final Logger LOG = Logger.getLogger(PollSchedule.class);

    private final Instance<StartupChecks.Passed> checks;
    private final Instance<ReconcileLoop> loop;
    private final Scheduler scheduler;
    private final String httpHost;
    private final int httpPort;
    /** Set before {@link #ready}, whose volatile write publishes it to {@link #httpStarted}. */
    private ReconcileLoop built;
    /** This schedule once its pipeline is built; what {@link #httpStarted} resumes. */
    private static volatile PollSchedule ready;

    PollSchedule(Instance<StartupChecks.Passed> checks, Instance<ReconcileLoop> loop, Scheduler scheduler,
            @ConfigProperty(name = "quarkus.http.host") String httpHost, @ConfigProperty(name = "quarkus.http.port") int httpPort) {
        this.checks = checks;
        this.loop = loop;
        this.scheduler = scheduler;
        this.httpHost = httpHost;
        this.httpPort = httpPort;
    }

    /** Checks the configuration and builds the whole pipeline at startup, so a bad configuration stops the agent right away. */
    void start(@Observes StartupEvent event) {
        ready = null;
        try {
            checks.get();
            if (LaunchMode.current() == LaunchMode.NORMAL) {
                StartupChecks.httpPortFree(httpHost, httpPort);
            }
            built = loop.get();
            ready = this;
        } catch (RuntimeException e) {
            InvalidConfigException invalid = configProblem(e);
            if (invalid == null) {
                throw e;
            }
            LOG.errorf("invalid configuration: %s", invalid.getMessage());
            Quarkus.asyncExit(1);
        }
    }

    /**
     * The first reconcile waits for the HTTP server, which Quarkus starts after the startup event and announces asynchronously.
     * Static, so that an agent stopping on a broken configuration, whose beans may be gone when the event arrives, does
     * not log a failed observer after its one line.
     */
    static void httpStarted(@ObservesAsync HttpServerStart event) {
        PollSchedule schedule = ready;
        if (schedule != null) {
            schedule.built.wake("startup");
            schedule.scheduler.resume();
        }
    }

    @Scheduled(every = "1s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void tick() {
        loop.get().tick();
    }

    private static InvalidConfigException configProblem(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof InvalidConfigException invalid) {
                return invalid;
            }
        }
        return null;
    }
}
