package dev.gitopsagent.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;

import org.jboss.logging.Logger;

import dev.gitopsagent.FileTrees;
import dev.gitopsagent.pipeline.ReconcileOutcome;
import dev.gitopsagent.trigger.ReconcileLoop;

/**
 * Drift: the running system ({@code gitops.deploy.current-system}, {@code /run/current-system}) is not
 * the system the agent last made live, because someone ran {@code nixos-rebuild} or
 * {@code switch-to-configuration} by hand. After each reconcile the two store paths are compared; the
 * agent's own is recorded (atomically, in the state directory) whenever it changes the running system:
 * a switch or test, an automatic rollback that worked, an operator's rollback. A {@code boot}
 * deployment changes nothing that runs: its system (the profile's new generation) becomes what is
 * expected once the host runs it, after the reboot. With self-heal on, a drifted host gets the
 * agent's system activated again.
 */
public final class DriftWatch implements ReconcileLoop.OutcomeListener {

    private static final Logger LOG = Logger.getLogger(DriftWatch.class);

    /** What the last comparison found. */
    public sealed interface Reading {

        /** The agent has not made a system live yet (or the running system cannot be read): nothing to compare. */
        record Unknown() implements Reading {
        }

        /** The running system is the one the agent activated. */
        record InSync(String system) implements Reading {
        }

        /** The running system is another one, since {@code since} (the first poll that saw it). */
        record Drifted(String expected, String running, Instant since) implements Reading {
        }
    }

    /** Activates the agent's system again (or, in dry-run, says what it would run). */
    @FunctionalInterface
    public interface Heal {
        void heal() throws IOException, InterruptedException;
    }

    private final Path currentSystem;
    private final Path profile;
    private final Path expectedFile;
    private final Path afterRebootFile;
    private final Optional<Heal> heal;
    private final Clock clock;
    private volatile Reading reading = new Reading.Unknown();

    public DriftWatch(Path currentSystem, Path profile, Path stateDir, Optional<Heal> heal, Clock clock) {
        this.currentSystem = currentSystem;
        this.profile = profile;
        this.expectedFile = stateDir.resolve("activated-system");
        this.afterRebootFile = stateDir.resolve("boot-system");
        this.heal = heal;
        this.clock = clock;
    }

    @Override
    public void reconciled(ReconcileOutcome outcome) {
        if (outcome instanceof ReconcileOutcome.Deployed deployed
                && (deployed.action().equals(Action.SWITCH.toString()) || deployed.action().equals(Action.TEST.toString()))
                || outcome instanceof ReconcileOutcome.Failed failed && failed.rollback() == ReconcileOutcome.Rollback.SUCCEEDED) {
            activated();
        } else if (outcome instanceof ReconcileOutcome.Deployed deployed && deployed.action().equals(Action.BOOT.toString())) {
            record(afterRebootFile, realPath(profile));
        }
        if (check() instanceof Reading.Drifted drifted && heal.isPresent()) {
            LOG.warnf("self-heal: activating %s again", drifted.expected());
            try {
                heal.get().heal();
            } catch (IOException e) {
                LOG.errorf("self-heal failed: %s", e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            check();
        }
    }

    /** The agent just made the running system what it is: that is what is expected from now on. */
    public void activated() {
        Optional<String> running = realPath(currentSystem);
        record(expectedFile, running);
        running.ifPresent(system -> reading = new Reading.InSync(system));
    }

    private static void record(Path file, Optional<String> system) {
        if (system.isEmpty()) {
            return;
        }
        try {
            FileTrees.writeLineAtomically(file, system.get());
        } catch (IOException e) {
            LOG.warnf("cannot record the system the agent activated in %s: %s", file, e.getMessage());
        }
    }

    /** Compares the running system with the expected one, and remembers (and logs) what it found. */
    public Reading check() {
        Optional<String> running = realPath(currentSystem);
        if (running.isPresent() && running.equals(read(afterRebootFile))) {
            // The host rebooted into the generation a boot deployment made its default: what the agent meant to run.
            record(expectedFile, running);
            try {
                Files.deleteIfExists(afterRebootFile);
            } catch (IOException e) {
                LOG.debugf("cannot delete %s: %s", afterRebootFile, e.getMessage());
            }
        }
        Optional<String> expected = read(expectedFile);
        Reading previous = reading;
        Reading next;
        if (expected.isEmpty() || running.isEmpty()) {
            next = new Reading.Unknown();
        } else if (expected.get().equals(running.get())) {
            next = new Reading.InSync(running.get());
        } else if (previous instanceof Reading.Drifted drifted && drifted.expected().equals(expected.get())
                && drifted.running().equals(running.get())) {
            next = drifted;
        } else {
            next = new Reading.Drifted(expected.get(), running.get(), clock.instant());
            LOG.warnf("drift: the running system is %s, not %s, which the agent activated", running.get(), expected.get());
        }
        reading = next;
        return next;
    }

    public Reading reading() {
        return reading;
    }

    private static Optional<String> read(Path file) {
        try {
            return Files.exists(file) ? Optional.of(Files.readString(file).strip()).filter(text -> !text.isEmpty()) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Where a system link points: a store path. */
    private static Optional<String> realPath(Path link) {
        try {
            return Optional.of(link.toRealPath().toString());
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
