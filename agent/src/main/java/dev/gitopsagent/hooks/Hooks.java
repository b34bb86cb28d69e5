package dev.gitopsagent.hooks;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import org.jboss.logging.Logger;

import dev.gitopsagent.config.AgentConfig;
import dev.gitopsagent.deploy.ProcessRunner;
import dev.gitopsagent.pipeline.ReconcileOutcome;
import dev.gitopsagent.trigger.ReconcileLoop;

/**
 * Tells the operator's hooks and notification webhooks about each success, failure, refusal and
 * rollback. It only observes: everything runs on background executors, so a slow or broken hook or
 * receiver neither delays nor changes a deployment. The same event twice in a row (a fetch refused
 * again on the next poll) is told once. In dry-run no hook command runs; the notifications, which
 * change nothing on the host, are still sent.
 */
public final class Hooks implements ReconcileLoop.OutcomeListener {

    private static final Logger LOG = Logger.getLogger(Hooks.class);
    /** Output lines of a hook kept (each is also logged, cut at a bounded length). */
    private static final int HOOK_OUTPUT_LINES = 20;
    private static final int HOOK_QUEUE = 8;
    private static final int NOTIFY_ATTEMPTS = 5;
    private static final Duration NOTIFY_FIRST_RETRY = Duration.ofSeconds(1);

    private final String host;
    private final HookCommands commands;
    private final Notifier notifier;
    private final Executor commandLane;
    private final boolean dryRun;
    private final Clock clock;
    private Event last;

    Hooks(String host, HookCommands commands, Notifier notifier, Executor commandLane, boolean dryRun, Clock clock) {
        this.host = host;
        this.commands = commands;
        this.notifier = notifier;
        this.commandLane = commandLane;
        this.dryRun = dryRun;
        this.clock = clock;
    }

    /** The hooks and notification webhooks of this configuration; a broken token file stops startup naming its key. */
    public static Hooks configured(AgentConfig config, String host, Path workingDirectory, Clock clock) {
        Map<Event.Kind, String> commands = new EnumMap<>(Event.Kind.class);
        AgentConfig.Hooks hooks = config.hooks();
        hooks.onSuccess().ifPresent(command -> commands.put(Event.Kind.SUCCESS, command));
        hooks.onFailure().ifPresent(command -> commands.put(Event.Kind.FAILURE, command));
        hooks.onRefusal().ifPresent(command -> commands.put(Event.Kind.REFUSAL, command));
        hooks.onRollback().ifPresent(command -> commands.put(Event.Kind.ROLLBACK, command));
        HookCommands runner = new HookCommands(commands, hooks.timeout(), new ProcessRunner(HOOK_OUTPUT_LINES), workingDirectory);
        ScheduledExecutorService notifications = Executors.newSingleThreadScheduledExecutor(daemon("notify"));
        Notifier notifier = new Notifier(Notifier.configured(config), notifications, new Notifier.Retry(NOTIFY_ATTEMPTS, NOTIFY_FIRST_RETRY));
        // One hook at a time, a few waiting: a hook that hangs until its timeout cannot pile up processes.
        ThreadPoolExecutor lane = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(HOOK_QUEUE), daemon("hook"));
        return new Hooks(host, runner, notifier, lane, !config.deploy().action().runsAnything(), clock);
    }

    /** Reads and checks every notification token file, as startup does before anything runs. */
    public static void check(AgentConfig config) {
        Notifier.configured(config);
    }

    private static ThreadFactory daemon(String name) {
        return runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        };
    }

    @Override
    public void reconciled(ReconcileOutcome outcome) {
        for (Event event : events(outcome)) {
            tell(event);
        }
    }

    /** An operator's rollback: {@code commit} is what runs now, if known. */
    public void rolledBack(String commit, String reason) {
        tell(new Event(Event.Kind.ROLLBACK, host, commit, "rollback", reason, clock.instant()));
    }

    private List<Event> events(ReconcileOutcome outcome) {
        List<Event> events = new ArrayList<>();
        if (outcome instanceof ReconcileOutcome.Deployed deployed) {
            events.add(event(Event.Kind.SUCCESS, deployed.commit(), deployed.action(), ""));
        } else if (outcome instanceof ReconcileOutcome.Failed failed) {
            events.add(event(Event.Kind.FAILURE, failed.commit(), null, failed.reason()));
            if (failed.rollback() != ReconcileOutcome.Rollback.NOT_NEEDED) {
                events.add(event(Event.Kind.ROLLBACK, failed.commit(), null, "automatic rollback "
                        + failed.rollback().name().toLowerCase() + " after: " + failed.reason()));
            }
        } else if (outcome instanceof ReconcileOutcome.Refused refused) {
            events.add(event(Event.Kind.REFUSAL, refused.commit(), null, refused.reason()));
        }
        return events;
    }

    private Event event(Event.Kind kind, String commit, String action, String reason) {
        return new Event(kind, host, commit, action, reason, clock.instant());
    }

    private synchronized void tell(Event event) {
        if (last != null && last.kind() == event.kind() && java.util.Objects.equals(last.commit(), event.commit())
                && java.util.Objects.equals(last.reason(), event.reason())) {
            return;
        }
        last = event;
        notifier.send(event);
        if (commands.isEmpty()) {
            return;
        }
        if (dryRun) {
            LOG.infof("dry-run: the %s hook would run", event.kind().label());
            return;
        }
        try {
            commandLane.execute(() -> commands.run(event));
        } catch (RejectedExecutionException e) {
            LOG.warnf("%s hook not run: too many hooks are still running", event.kind().label());
        }
    }
}
