package dev.gitopsagent.trigger;

import org.jboss.logging.Logger;

import dev.gitopsagent.config.InvalidConfigException;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.quarkus.scheduler.Scheduler;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;

/**
 * Drives {@link ReconcileLoop} from the scheduler. The tick is short and cheap; the loop itself
 * decides when a poll is due, which is how interval, jitter and back-off stay in one place. The
 * scheduler starts halted and is resumed only once the pipeline is built, so a broken configuration
 * is reported once, plainly, and not as a failed tick.
 */
@ApplicationScoped
public class PollSchedule {

    private static final Logger LOG = Logger.getLogger(PollSchedule.class);

    private final Instance<ReconcileLoop> loop;
    private final Scheduler scheduler;

    PollSchedule(Instance<ReconcileLoop> loop, Scheduler scheduler) {
        this.loop = loop;
        this.scheduler = scheduler;
    }

    /** Builds the whole pipeline at startup, so a bad configuration stops the agent right away. */
    void start(@Observes StartupEvent event) {
        ReconcileLoop reconcileLoop;
        try {
            reconcileLoop = loop.get();
        } catch (RuntimeException e) {
            InvalidConfigException invalid = configProblem(e);
            if (invalid == null) {
                throw e;
            }
            LOG.errorf("invalid configuration: %s", invalid.getMessage());
            Quarkus.asyncExit(1);
            return;
        }
        reconcileLoop.wake("startup");
        scheduler.resume();
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
