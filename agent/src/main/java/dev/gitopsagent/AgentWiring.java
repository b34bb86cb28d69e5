package dev.gitopsagent;

import java.io.IOException;
import java.net.http.HttpClient;
import java.time.Duration;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;

import org.eclipse.jgit.lib.ObjectId;
import org.jboss.logging.Logger;

import dev.gitopsagent.config.AgentConfig;
import dev.gitopsagent.config.ConfigFiles;
import dev.gitopsagent.config.ConfigFingerprint;
import dev.gitopsagent.config.ConfigRules;
import dev.gitopsagent.config.HostName;
import dev.gitopsagent.config.StateDirectory;
import dev.gitopsagent.control.ControlToken;
import dev.gitopsagent.config.StartupChecks;
import dev.gitopsagent.deploy.BinaryCache;
import dev.gitopsagent.deploy.DriftWatch;
import dev.gitopsagent.deploy.Generations;
import dev.gitopsagent.deploy.HealthGate;
import dev.gitopsagent.deploy.NixGitCache;
import dev.gitopsagent.deploy.NixVersion;
import dev.gitopsagent.deploy.NixosRebuild;
import dev.gitopsagent.deploy.ProcessRunner;
import dev.gitopsagent.deploy.RebootPolicy;
import dev.gitopsagent.deploy.SystemProfile;
import dev.gitopsagent.deploy.ToplevelActivation;
import dev.gitopsagent.git.CollisionDetection;
import dev.gitopsagent.git.FetchBounds;
import dev.gitopsagent.git.HeapCapacity;
import dev.gitopsagent.hooks.Hooks;
import dev.gitopsagent.git.LocalMirror;
import dev.gitopsagent.git.Remote;
import dev.gitopsagent.git.RemoteAccess;
import dev.gitopsagent.pipeline.Activate;
import dev.gitopsagent.pipeline.Baseline;
import dev.gitopsagent.pipeline.Descend;
import dev.gitopsagent.pipeline.Fetch;
import dev.gitopsagent.pipeline.Gate;
import dev.gitopsagent.pipeline.OperatorActions;
import dev.gitopsagent.pipeline.Probe;
import dev.gitopsagent.pipeline.Reactivate;
import dev.gitopsagent.pipeline.Realise;
import dev.gitopsagent.pipeline.Reconciler;
import dev.gitopsagent.pipeline.RolloutsInProgress;
import dev.gitopsagent.pipeline.Recorder;
import dev.gitopsagent.pipeline.Recovery;
import dev.gitopsagent.pipeline.Select;
import dev.gitopsagent.pipeline.Verify;
import dev.gitopsagent.state.HighWaterMark;
import dev.gitopsagent.rollout.ForgeGate;
import dev.gitopsagent.rollout.MaintenanceWindows;
import dev.gitopsagent.rollout.RebootClearance;
import dev.gitopsagent.rollout.RolloutPlan;
import dev.gitopsagent.rollout.Wave;
import dev.gitopsagent.state.StateStore;
import dev.gitopsagent.status.AgentMetrics;
import dev.gitopsagent.status.ForgeApi;
import dev.gitopsagent.status.ForgeStatuses;
import dev.gitopsagent.status.ForgeReporter;
import dev.gitopsagent.status.Freshness;
import dev.gitopsagent.status.LiveStatus;
import dev.gitopsagent.status.RolloutStatus;
import dev.gitopsagent.trigger.ReconcileLoop;
import dev.gitopsagent.trigger.WebhookAuthenticator;
import dev.gitopsagent.trigger.WebhookThrottle;
import dev.gitopsagent.verify.PathVerifier;
import dev.gitopsagent.verify.TrustAnchors;
import dev.gitopsagent.verify.TrustSettings;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * Builds the pipeline from configuration. The parts are plain objects with constructors, so tests
 * assemble them the same way without a container.
 */
@ApplicationScoped
public class AgentWiring {

    private static final Logger LOG = Logger.getLogger(AgentWiring.class);

    /** EX_TEMPFAIL; the systemd unit restarts the agent on it ({@code RestartForceExitStatus=75}). */
    static final int RESTART_EXIT_CODE = 75;

    /** How long an orderly shutdown may take after a fatal error before the process is halted. */
    private static final Duration EXIT_GRACE = Duration.ofSeconds(30);

    private static final String CONTROL_TOKEN_KEY = "gitops.control.token-file";
    private static final String WEBHOOK_SECRET_KEY = "gitops.webhook.secret-file";
    private static final String FORGE_TOKEN_KEY = "gitops.forge.token-file";

    @Produces
    @Singleton
    Clock clock() {
        return Clock.systemUTC();
    }

    @Produces
    @Singleton
    LiveStatus liveStatus(Clock clock) {
        return new LiveStatus(clock);
    }

    @Produces
    @Singleton
    AgentMetrics metrics(MeterRegistry registry) {
        return new AgentMetrics(registry);
    }

    /** Created at startup so its metrics exist before anyone asks for the status. */
    @Produces
    @Singleton
    @Startup
    Freshness freshness(AgentConfig config, LiveStatus status, AgentMetrics metrics, Clock clock) {
        Freshness freshness = new Freshness(status, config.trust().maxCommitAge(), clock);
        metrics.watch(freshness);
        return freshness;
    }

    @Produces
    @Singleton
    RolloutPlan rolloutPlan(AgentConfig config) {
        var rollout = config.rollout();
        return new RolloutPlan(Wave.of(rollout.wave(), rollout.waves(), HostName.resolve(config)), rollout.waves(), rollout.soak());
    }

    @Produces
    @Singleton
    MaintenanceWindows maintenanceWindows(AgentConfig config) {
        return config.deploy().windows().map(MaintenanceWindows::parse).orElseGet(() -> new MaintenanceWindows(List.of()));
    }

    @Produces
    @Singleton
    RebootPolicy rebootPolicy(AgentConfig config, StateDirectory stateDir, RolloutPlan plan, StateStore store, LocalMirror mirror) {
        var deploy = config.deploy();
        var reboot = deploy.reboot();
        MaintenanceWindows windows = reboot.windows().map(texts -> MaintenanceWindows.parse(texts, "gitops.deploy.reboot.windows"))
                .orElseGet(() -> new MaintenanceWindows(List.of()));
        return new RebootPolicy(new RebootPolicy.Settings(reboot.activation(), windows, reboot.command(), reboot.bootedSystem(),
                deploy.systemProfile(), deploy.action().runsAnything()), new RebootClearance(plan, new RolloutsInProgress(store, mirror)),
                stateDir.path(), new ProcessRunner(deploy.outputTailLines()),
                deploy.timeout());
    }

    @Produces
    @Singleton
    RolloutStatus rolloutStatus(RolloutPlan plan, MaintenanceWindows windows, RebootPolicy reboot, StateStore store, Clock clock) {
        return new RolloutStatus(plan, windows, reboot, store, clock);
    }

    @Produces
    @Singleton
    SystemProfile systemProfile(AgentConfig config) {
        return new SystemProfile(config.deploy().systemProfile(), config.deploy().currentSystem());
    }

    /**
     * Every check of the configuration and the files it names, in the order an operator fixes them:
     * required keys and values, SHA-1 collision detection, trust, credentials and secrets, and last the
     * rebuild command on this machine. {@code PollSchedule} asks for this before anything else, so a broken
     * configuration is reported as one line naming the key, and no secret file is first found broken by a
     * request.
     */
    @Produces
    @Singleton
    StartupChecks.Passed startupChecks(AgentConfig config) {
        ConfigRules.check(config);
        CollisionDetection.require();
        StartupChecks.durations(config);
        StartupChecks.highWaterMark(config);
        StartupChecks.cacheMode(config);
        StartupChecks.forgeGate(config);
        HostName.resolve(config);
        TrustAnchors.load(config.trust());
        RemoteAccess.from(config.repository(), config.stateDir()).close();
        config.control().tokenFile().ifPresent(file -> ConfigFiles.readOwnerOnlySecret(file, CONTROL_TOKEN_KEY));
        config.webhook().secretFile().ifPresent(file -> ConfigFiles.readOwnerOnlySecret(file, WEBHOOK_SECRET_KEY));
        config.forge().ifPresent(forge -> ConfigFiles.readOwnerOnlySecret(forge.tokenFile(), FORGE_TOKEN_KEY));
        Hooks.check(config);
        StartupChecks.rebuildCommand(config);
        return new StartupChecks.Passed();
    }

    @Produces
    @Singleton
    StateDirectory stateDirectory(AgentConfig config) {
        return StateDirectory.prepare(config);
    }

    void closeStateDirectory(@Disposes StateDirectory stateDir) {
        stateDir.close();
    }

    @Produces
    @Singleton
    RemoteAccess remoteAccess(AgentConfig config, StateDirectory stateDir) {
        return RemoteAccess.from(config.repository(), stateDir.path());
    }

    void closeRemoteAccess(@Disposes RemoteAccess access) {
        access.close();
    }

    @Produces
    @Singleton
    StateStore stateStore(StateDirectory stateDir) throws IOException {
        return new StateStore(stateDir.path());
    }

    @Produces
    @Singleton
    NixosRebuild nixosRebuild(AgentConfig config, StateDirectory stateDir) {
        var deploy = config.deploy();
        return new NixosRebuild(deploy.command(), deploy.timeout(), stateDir.path(), new ProcessRunner(deploy.outputTailLines()));
    }

    @Produces
    @Singleton
    LocalMirror localMirror(AgentConfig config, StateDirectory stateDir, RemoteAccess access) throws IOException {
        FetchBounds bounds = FetchBounds.configured(config.repository());
        HeapCapacity heap = HeapCapacity.ofThisProcess();
        if (heap.objects() < bounds.maxObjects()) {
            // Said once at startup, so that an operator whose repository grows past it reads why before a fetch is refused.
            LOG.infof("one fetch may bring in at most %d objects, the most this process's heap of %d MiB could index (fewer than the %d"
                    + " of %s); raise -Xmx for more", heap.objects(), heap.mebibytes(), bounds.maxObjects(), FetchBounds.MAX_OBJECTS_KEY);
        }
        return LocalMirror.open(stateDir.resolve("repo.git"), config.repository().branch(), access, bounds,
                shallowFirstSync(config, stateDir));
    }

    /** {@code gitops.repository.first-sync}: with {@code auto}, the head alone when the host's Nix can build from a shallow clone. */
    private static BooleanSupplier shallowFirstSync(AgentConfig config, StateDirectory stateDir) {
        return switch (config.repository().firstSync()) {
            case SHALLOW -> () -> true;
            case FULL -> () -> false;
            case AUTO -> () -> nixReadsShallowClones(config.deploy().cache().nixCommand(), stateDir);
        };
    }

    private static boolean nixReadsShallowClones(String nix, StateDirectory stateDir) {
        try {
            Optional<NixVersion> version = NixVersion.probe(nix, new ProcessRunner(1), stateDir.path());
            boolean shallow = version.filter(NixVersion::readsShallowClones).isPresent();
            LOG.infof("first sync: %s (%s --version says %s; gitops.repository.first-sync=auto)", shallow ? "the head alone" : "full history",
                    nix, version.map(v -> "Nix " + v).orElse("no Nix release it knows"));
            return shallow;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    void closeMirror(@Disposes LocalMirror mirror) {
        mirror.close();
    }

    @Produces
    @Singleton
    Reconciler reconciler(AgentConfig config, StateDirectory stateDir, LocalMirror mirror, NixosRebuild rebuild, SystemProfile system,
            StateStore store, LiveStatus status, RolloutPlan plan, MaintenanceWindows windows, RebootPolicy reboot, Clock clock) throws IOException {
        PathVerifier verifier = new PathVerifier(TrustAnchors.load(config.trust()),
                new TrustSettings(config.trust().verify(), config.trust().policy(), config.trust().maxClockSkew()), clock);
        Optional<ObjectId> deployed = store.current().deployed().map(ObjectId::fromString).filter(mirror::hasCommit);
        if (deployed.isPresent()) {
            status.signersInForce(verifier.signersAt(mirror.repository(), deployed.get()));
        }
        String host = HostName.resolve(config);
        Optional<String> testingBranch = config.testing().enabled()
                ? Optional.of(config.testing().branch().orElse("testing-" + host)) : Optional.empty();
        Reconciler.Target target = new Reconciler.Target(config.repository().branch(), testingBranch, host, config.deploy().action(),
                config.trust().rootCommit(), config.deploy().historySize());
        List<Remote> remotes = Remote.configured(config.repository());
        HealthGate health = HealthGate.from(config.health(), () -> reachAny(mirror, remotes, target.branch()),
                new ProcessRunner(config.deploy().outputTailLines()), stateDir.path(), clock);
        HighWaterMark mark = new HighWaterMark(config.trust().highWaterMark());
        Baseline baseline = new Baseline(target, system, store, mark);
        var deploy = config.deploy();
        ProcessRunner runner = new ProcessRunner(deploy.outputTailLines());
        ToplevelActivation byPath = new ToplevelActivation(deploy.cache().nixCommand(), deploy.systemProfile(), deploy.timeout(), stateDir.path(),
                runner);
        Activate activate = new Activate(target, mirror, rebuild, byPath, health, reboot, system, store, status);
        Reconciler.Stages stages = new Reconciler.Stages(
                new Probe(target, remotes, mirror, store, status, clock),
                new Gate(store, status, windows, clock),
                new Fetch(mirror, baseline, store, status, config.poll().interval(), config.poll().maxBackoff(), clock),
                new Select(target, mirror, plan, forgeGate(config, host), store, clock),
                new Descend(target, mirror, store),
                new Verify(mirror, verifier, status),
                new Realise(target, mirror, rebuild, cacheMode(deploy, stateDir, runner), NixGitCache.of(System.getenv()), store, status,
                        clock),
                activate,
                new Recorder(target, system, store, mark, status, clock));
        return new Reconciler(target, stages, new Recovery(target, activate, system, store, mark, status, clock), store, status);
    }

    /**
     * The forge gate when {@code min-successes} is set (StartupChecks.forgeGate made sure a forge is
     * too). The client follows no redirect, so the token goes to the configured forge only.
     */
    private static Optional<ForgeGate> forgeGate(AgentConfig config, String host) {
        var gate = config.rollout().forgeGate();
        return gate.minSuccesses().map(minSuccesses -> new ForgeGate(
                new ForgeStatuses(forgeApi(config.forge().orElseThrow()), HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build()),
                ForgeReporter.context(host), minSuccesses, gate.checkInterval()));
    }

    /** Cache mode when caches are configured (StartupChecks.cacheMode made sure keys are too). */
    private static Optional<Realise.CacheMode> cacheMode(AgentConfig.Deploy deploy, StateDirectory stateDir, ProcessRunner runner) {
        AgentConfig.Cache cache = deploy.cache();
        return cache.substituters().filter(list -> !list.isEmpty()).map(substituters -> new Realise.CacheMode(
                new BinaryCache(cache.nixCommand(), substituters, cache.trustedPublicKeys().orElseThrow(), deploy.timeout(), stateDir.path(),
                        runner),
                cache.maxWait(), cache.checkInterval(), cache.onMissing()));
    }

    @Produces
    @Singleton
    OperatorActions operatorActions(AgentConfig config, StateStore store, ReconcileLoop loop, NixosRebuild rebuild, SystemProfile system,
            DriftWatch drift, Hooks hooks, LiveStatus status, Clock clock) {
        return new OperatorActions(config.deploy().action(), store, loop, rebuild, system, drift, hooks, status, clock);
    }

    @Produces
    @Singleton
    Hooks hooks(AgentConfig config, StateDirectory stateDir, Clock clock) {
        return Hooks.configured(config, HostName.resolve(config), stateDir.path(), clock);
    }

    @Produces
    @Singleton
    DriftWatch driftWatch(AgentConfig config, StateDirectory stateDir, Reconciler reconciler, LocalMirror mirror, NixosRebuild rebuild,
            StateStore store, Clock clock) {
        Optional<DriftWatch.Heal> heal = config.drift().selfHeal()
                ? Optional.of(new Reactivate(reconciler.target(), mirror, rebuild, store)) : Optional.empty();
        return new DriftWatch(config.deploy().currentSystem(), config.deploy().systemProfile(), stateDir.path(), heal, clock);
    }

    @Produces
    @Singleton
    ControlToken controlToken(AgentConfig config) {
        return new ControlToken(config.control().tokenFile().map(file -> ConfigFiles.readOwnerOnlySecret(file, CONTROL_TOKEN_KEY)));
    }

    @Produces
    @Singleton
    Optional<WebhookAuthenticator> webhookAuthenticator(AgentConfig config) {
        return config.webhook().secretFile()
                .map(file -> new WebhookAuthenticator(ConfigFiles.readOwnerOnlySecret(file, WEBHOOK_SECRET_KEY)));
    }

    @Produces
    @Singleton
    WebhookThrottle webhookThrottle(AgentConfig config, ReconcileLoop loop, Clock clock) {
        return new WebhookThrottle(() -> loop.wake("webhook"), config.webhook().minInterval(), clock);
    }

    void closeThrottle(@Disposes WebhookThrottle throttle) {
        throttle.close();
    }

    @Produces
    @Singleton
    ReconcileLoop reconcileLoop(AgentConfig config, Reconciler reconciler, LiveStatus status, AgentMetrics metrics, RolloutStatus rollout,
            RebootPolicy reboot, DriftWatch drift, Hooks hooks, Clock clock) {
        var poll = config.poll();
        metrics.watch(reconciler::state);
        // Here rather than at the rollout status's creation: the loop is built at startup, where a bad window is reported plainly.
        metrics.watch(rollout);
        metrics.watch(drift);
        List<ReconcileLoop.OutcomeListener> listeners = new ArrayList<>();
        listeners.add(outcome -> metrics.record(outcome, clock.instant().getEpochSecond()));
        config.forge().map(forge -> forgeReporter(forge, reconciler.target().host(), rollout.wave())).ifPresent(listeners::add);
        config.deploy().keepGenerations().map(keep -> new Generations(keep, config.deploy().systemProfile(),
                new ProcessRunner(config.deploy().outputTailLines()))).ifPresent(listeners::add);
        listeners.add(drift);
        listeners.add(hooks);
        listeners.add(restartWhenFilesChange(ConfigFingerprint.of(config)));
        // Last: a reboot ends the process, after the outcome was recorded and reported.
        listeners.add(outcome -> rebootWhenDue(reboot, clock));
        return new ReconcileLoop(reconciler, status, new ReconcileLoop.Cadence(poll.interval(), poll.jitter(), poll.maxBackoff()), clock,
                listeners, now -> nextRebootAttempt(reboot, now), AgentWiring::exit);
    }

    /**
     * Exits through Quarkus (orderly shutdown, state already written), and halts if that cannot even
     * start or does not finish: after an OutOfMemoryError a stuck process would stop deploying for good.
     */
    private static void exit(int status) {
        try {
            Thread watchdog = new Thread(() -> {
                try {
                    Thread.sleep(EXIT_GRACE.toMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                Runtime.getRuntime().halt(status);
            }, "exit-watchdog");
            watchdog.setDaemon(true);
            watchdog.start();
            Quarkus.asyncExit(status);
        } catch (Throwable e) {
            Runtime.getRuntime().halt(status);
        }
    }

    private static ForgeApi forgeApi(AgentConfig.Forge forge) {
        return new ForgeApi(forge.type(), forge.apiUrl(), forge.repository(), ConfigFiles.readOwnerOnlySecret(forge.tokenFile(), FORGE_TOKEN_KEY));
    }

    private static ForgeReporter forgeReporter(AgentConfig.Forge forge, String host, int wave) {
        ForgeReporter.Target target = new ForgeReporter.Target(forgeApi(forge), ForgeReporter.context(host), forge.targetUrl(), wave);
        ExecutorService poster = Executors.newSingleThreadExecutor(runnable -> {
            Thread thread = new Thread(runnable, "forge-status");
            thread.setDaemon(true);
            return thread;
        });
        return new ForgeReporter(target, HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build(), poster);
    }

    /**
     * After any reconcile, exit so systemd starts the agent again with its files if one of them changed:
     * a deployment that rewrote the configuration or trust files, or a secret rotated under the agent
     * (agenix), whose old value may already be revoked so that every poll would fail until restarted.
     */
    private static ReconcileLoop.OutcomeListener restartWhenFilesChange(ConfigFingerprint startedWith) {
        return outcome -> {
            if (startedWith.changed()) {
                LOG.infof("the agent's own configuration, trust or secret files changed; exiting with %d to be restarted with them",
                        RESTART_EXIT_CODE);
                Quarkus.asyncExit(RESTART_EXIT_CODE);
            }
        };
    }

    private static void rebootWhenDue(RebootPolicy reboot, Clock clock) {
        try {
            reboot.rebootIfDue(clock.instant());
        } catch (IOException e) {
            LOG.errorf("cannot reboot into the new system: %s", e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A reboot window can be shorter than the poll interval: the loop polls again when the pending reboot is next allowed. */
    private static Optional<Instant> nextRebootAttempt(RebootPolicy reboot, Instant now) {
        try {
            return reboot.nextAttempt(now);
        } catch (IOException e) {
            LOG.errorf("cannot tell when to reboot into the new system: %s", e.getMessage());
            return Optional.empty();
        }
    }

    void closeLoop(@Disposes ReconcileLoop loop) throws InterruptedException {
        loop.close();
    }

    /** After a switch, the host must still reach at least one of its remotes, or it could never be fixed by a push. */
    private static void reachAny(LocalMirror mirror, List<Remote> remotes, String branch) throws IOException {
        IOException last = null;
        for (Remote remote : remotes) {
            try {
                mirror.remoteHeads(remote, List.of(branch));
                return;
            } catch (IOException e) {
                last = e;
            }
        }
        throw last;
    }
}
