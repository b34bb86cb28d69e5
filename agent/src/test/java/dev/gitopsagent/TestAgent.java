package dev.gitopsagent;

import java.io.IOException;
import java.time.Clock;
import java.util.Map;

import dev.gitopsagent.config.AgentConfig;
import dev.gitopsagent.config.StateDirectory;
import dev.gitopsagent.deploy.DriftWatch;
import dev.gitopsagent.deploy.NixosRebuild;
import dev.gitopsagent.deploy.RebootPolicy;
import dev.gitopsagent.deploy.SystemProfile;
import dev.gitopsagent.git.LocalMirror;
import dev.gitopsagent.git.RemoteAccess;
import dev.gitopsagent.hooks.Hooks;
import dev.gitopsagent.pipeline.OperatorActions;
import dev.gitopsagent.pipeline.ReconcileOutcome;
import dev.gitopsagent.pipeline.Reconciler;
import dev.gitopsagent.rollout.MaintenanceWindows;
import dev.gitopsagent.rollout.RolloutPlan;
import dev.gitopsagent.state.AgentState;
import dev.gitopsagent.state.StateStore;
import dev.gitopsagent.status.AgentMetrics;
import dev.gitopsagent.status.LiveStatus;
import dev.gitopsagent.status.RolloutStatus;
import dev.gitopsagent.trigger.ReconcileLoop;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;

/**
 * The agent's pipeline assembled by the production wiring ({@link AgentWiring}) from a property map,
 * without the HTTP server: one agent "process" whose reconciles a test drives by hand. Closing and
 * starting another over the same state directory is an agent restart.
 */
public final class TestAgent implements AutoCloseable {

    private final AgentConfig config;
    private final StateDirectory stateDir;
    private final RemoteAccess access;
    private final LocalMirror mirror;
    private final Reconciler reconciler;
    private final ReconcileLoop loop;
    private final OperatorActions actions;
    private final LiveStatus status;
    private final RolloutStatus rollout;
    private final DriftWatch drift;
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    private TestAgent(Map<String, String> properties, Clock clock) throws IOException {
        this.config = configFrom(properties);
        AgentWiring wiring = new AgentWiring();
        wiring.startupChecks(config);
        this.status = wiring.liveStatus(clock);
        AgentMetrics metrics = wiring.metrics(registry);
        SystemProfile system = wiring.systemProfile(config);
        this.stateDir = wiring.stateDirectory(config);
        this.access = wiring.remoteAccess(config, stateDir);
        StateStore store = wiring.stateStore(stateDir);
        NixosRebuild rebuild = wiring.nixosRebuild(config, stateDir);
        this.mirror = wiring.localMirror(config, stateDir, access);
        MaintenanceWindows windows = wiring.maintenanceWindows(config);
        RolloutPlan plan = wiring.rolloutPlan(config);
        RebootPolicy reboot = wiring.rebootPolicy(config, stateDir, plan, store, mirror);
        this.rollout = wiring.rolloutStatus(plan, windows, reboot, store, clock);
        this.reconciler = wiring.reconciler(config, stateDir, mirror, rebuild, system, store, status, plan, windows, reboot, clock);
        this.drift = wiring.driftWatch(config, stateDir, reconciler, mirror, rebuild, store, clock);
        Hooks hooks = wiring.hooks(config, stateDir, clock);
        this.loop = wiring.reconcileLoop(config, reconciler, status, metrics, rollout, reboot, drift, hooks, clock);
        this.actions = wiring.operatorActions(config, store, loop, rebuild, system, drift, hooks, status, clock);
    }

    public static TestAgent start(Map<String, String> properties) throws IOException {
        return new TestAgent(properties, new AgentWiring().clock());
    }

    /** An agent whose clock a test sets, for soak times and windows that would otherwise take hours. */
    public static TestAgent start(Map<String, String> properties, Clock clock) throws IOException {
        return new TestAgent(properties, clock);
    }

    /** The configuration as the agent would see it, validation included. */
    public static AgentConfig configFrom(Map<String, String> properties) {
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .addDefaultInterceptors()
                .addDiscoveredConverters()
                .withMapping(AgentConfig.class)
                .withSources(new PropertiesConfigSource(properties, "test", 500))
                .build();
        return config.getConfigMapping(AgentConfig.class);
    }

    public ReconcileOutcome reconcile() {
        return reconciler.reconcile();
    }

    /**
     * The outcome of the reconcile an operator action queued on the agent's own reconcile thread
     * (resume, retry, trigger): waits for it to finish.
     */
    public ReconcileOutcome awaitQueuedReconcile() throws Exception {
        return loop.exclusively(loop::lastOutcome);
    }

    public Reconciler reconciler() {
        return reconciler;
    }

    /** One reconcile run by the agent's own loop, as the scheduler runs it, with what the loop does after it. */
    public ReconcileOutcome reconcileOnLoop() throws Exception {
        loop.wake("test");
        return awaitQueuedReconcile();
    }

    public AgentState state() {
        return reconciler.state();
    }

    public LiveStatus status() {
        return status;
    }

    public RolloutStatus rollout() {
        return rollout;
    }

    public DriftWatch drift() {
        return drift;
    }

    /** A gauge's value, or NaN when it does not exist. */
    public double gauge(String name, String... tags) {
        var gauge = registry.find(name).tags(tags).gauge();
        return gauge == null ? Double.NaN : gauge.value();
    }

    public OperatorActions actions() {
        return actions;
    }

    public ReconcileLoop loop() {
        return loop;
    }

    public double counter(String name, String tag, String value) {
        var counter = registry.find(name).tag(tag, value).counter();
        return counter == null ? 0 : counter.count();
    }

    /** A gauge's value now, or NaN when there is no such gauge. */
    public double gauge(String name) {
        var gauge = registry.find(name).gauge();
        return gauge == null ? Double.NaN : gauge.value();
    }

    @Override
    public void close() throws InterruptedException {
        loop.close();
        mirror.close();
        access.close();
        stateDir.close();
    }
}
