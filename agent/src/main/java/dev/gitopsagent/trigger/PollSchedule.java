package dev.gitopsagent.trigger;

import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Drives {@link ReconcileLoop} from the scheduler. The tick is short and cheap; the loop itself
 * decides when a poll is due, which is how interval, jitter and back-off stay in one place.
 */
@ApplicationScoped
public class PollSchedule {

    private final ReconcileLoop loop;

    PollSchedule(ReconcileLoop loop) {
        this.loop = loop;
    }

    /** Builds the whole pipeline at startup, so a bad configuration stops the agent right away. */
    void start(@Observes StartupEvent event) {
        loop.wake("startup");
    }

    @Scheduled(every = "1s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void tick() {
        loop.tick();
    }
}
