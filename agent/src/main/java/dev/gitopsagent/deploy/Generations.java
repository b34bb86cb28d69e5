package dev.gitopsagent.deploy;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.jboss.logging.Logger;

import dev.gitopsagent.pipeline.ReconcileOutcome;
import dev.gitopsagent.trigger.ReconcileLoop;

/**
 * Keeps the last {@code keep} system generations after each deployment that made a new one
 * ({@code switch} or {@code boot}): {@code nix-env --profile <profile> --delete-generations +<keep>}.
 * Only the profile's generation links go; the garbage collector ({@code nix.gc}) reclaims their
 * store paths, and the boot menu drops them at the next activation. A failure is logged and changes
 * nothing about the deployment; a dry-run or test deployment makes no generation and deletes none.
 */
public final class Generations implements ReconcileLoop.OutcomeListener {

    private static final Logger LOG = Logger.getLogger(Generations.class);
    /** Deleting links takes well under a second; anything longer is a stuck Nix (a held profile lock). */
    private static final Duration TIMEOUT = Duration.ofMinutes(2);

    private final int keep;
    private final Path profile;
    private final ProcessRunner runner;

    public Generations(int keep, Path profile, ProcessRunner runner) {
        this.keep = keep;
        this.profile = profile;
        this.runner = runner;
    }

    @Override
    public void reconciled(ReconcileOutcome outcome) {
        if (outcome instanceof ReconcileOutcome.Deployed deployed && makesAGeneration(deployed.action())) {
            prune();
        }
    }

    private static boolean makesAGeneration(String action) {
        return action.equals(Action.SWITCH.toString()) || action.equals(Action.BOOT.toString());
    }

    private void prune() {
        List<String> command = List.of("nix-env", "--profile", profile.toString(), "--delete-generations", "+" + keep);
        try {
            ProcessRunner.Result result = runner.run(command, Path.of("/"), TIMEOUT);
            if (result.succeeded()) {
                LOG.infof("kept the last %d system generations of %s", keep, profile);
            } else {
                LOG.warnf("could not delete old system generations (%s %s): %s", ShellLine.of(command),
                        result.describeFailure("the limit for pruning generations"),
                        String.join(" | ", result.outputTail()));
            }
        } catch (IOException e) {
            LOG.warnf("could not delete old system generations: %s", e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
