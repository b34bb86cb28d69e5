package dev.gitopsagent.deploy;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

import org.jboss.logging.Logger;

/**
 * The Nix commands of cache mode: what toplevel the verified commit evaluates to, fetching that
 * closure from the configured binary caches only, and (when the policy says so) building it here.
 * Nix itself enforces the trust: with {@code require-sigs} a path is only substituted when one of
 * the configured keys signed it, and {@code --max-jobs 0} means nothing is built instead.
 */
public final class BinaryCache {

    private static final Logger LOG = Logger.getLogger(BinaryCache.class);

    /** A store path as {@code nix eval --raw} prints it: absolute, one component below the store directory. */
    private static final Pattern STORE_PATH = Pattern.compile("/\\S*/[0-9a-df-np-sv-z]{32}-[A-Za-z0-9+._?=-]+");

    private static final List<String> FLAKES = List.of("--extra-experimental-features", "nix-command flakes");

    /** Inputs come only from the signed flake.lock, as for nixos-rebuild (see NixosRebuild). */
    private static final List<String> LOCKED = List.of("--no-update-lock-file", "--no-write-lock-file");

    /** Where the realised toplevel is linked, in the working directory: a GC root, as nixos-rebuild's {@code ./result}. */
    static final String RESULT_LINK = "result";

    private final String nix;
    private final List<String> substituters;
    private final List<String> trustedKeys;
    private final Duration timeout;
    private final Path workingDirectory;
    private final ProcessRunner runner;

    public BinaryCache(String nix, List<String> substituters, List<String> trustedKeys, Duration timeout, Path workingDirectory,
            ProcessRunner runner) {
        if (substituters.isEmpty() || trustedKeys.isEmpty()) {
            throw new IllegalArgumentException("cache mode needs substituters and trusted public keys");
        }
        this.nix = nix;
        this.substituters = List.copyOf(substituters);
        this.trustedKeys = List.copyOf(trustedKeys);
        this.timeout = timeout;
        this.workingDirectory = workingDirectory;
        this.runner = runner;
    }

    /** What the evaluation printed: the toplevel's store path, or why there is none. */
    public sealed interface Evaluated {
    }

    public record Toplevel(String storePath) implements Evaluated {
    }

    public record NotEvaluated(ProcessRunner.Result result) implements Evaluated {
    }

    public List<String> substituters() {
        return substituters;
    }

    public List<String> evaluateCommand(FlakeRef flake) {
        List<String> command = new ArrayList<>(List.of(nix));
        command.addAll(FLAKES);
        command.addAll(List.of("eval", "--raw"));
        command.addAll(LOCKED);
        command.add(installable(flake) + ".outPath");
        return List.copyOf(command);
    }

    /**
     * Only the configured caches and keys: they replace the host's own for this command (the Nix
     * daemon honours that for root, which the agent runs as). A narinfo lookup that found nothing is
     * otherwise remembered for an hour, which would hide a closure CI pushes while the host waits.
     */
    public List<String> substituteCommand(String toplevel) {
        List<String> command = new ArrayList<>(List.of(nix));
        command.addAll(FLAKES);
        command.addAll(List.of("build", "--out-link", RESULT_LINK, "--max-jobs", "0",
                "--option", "substituters", String.join(" ", substituters),
                "--option", "trusted-public-keys", String.join(" ", trustedKeys),
                "--option", "require-sigs", "true",
                "--option", "narinfo-cache-negative-ttl", "0",
                toplevel));
        return List.copyOf(command);
    }

    /** The fallback: build the toplevel here, with the host's own Nix settings. */
    public List<String> buildCommand(FlakeRef flake) {
        List<String> command = new ArrayList<>(List.of(nix));
        command.addAll(FLAKES);
        command.addAll(List.of("build", "--out-link", RESULT_LINK));
        command.addAll(LOCKED);
        command.add(installable(flake));
        return List.copyOf(command);
    }

    public Evaluated evaluate(FlakeRef flake) throws IOException, InterruptedException {
        ProcessRunner.Result result = run(evaluateCommand(flake));
        if (!result.succeeded()) {
            return new NotEvaluated(result);
        }
        // Warnings share the output; the path is what --raw prints last.
        List<String> lines = result.outputTail();
        Optional<String> path = lines.isEmpty() ? Optional.empty() : Optional.of(lines.get(lines.size() - 1).strip());
        return path.filter(STORE_PATH.asMatchPredicate()).<Evaluated>map(Toplevel::new).orElse(new NotEvaluated(result));
    }

    public ProcessRunner.Result substitute(String toplevel) throws IOException, InterruptedException {
        return run(substituteCommand(toplevel));
    }

    public ProcessRunner.Result build(FlakeRef flake) throws IOException, InterruptedException {
        return run(buildCommand(flake));
    }

    private static String installable(FlakeRef flake) {
        return flake.url() + "#nixosConfigurations.\"" + flake.host() + "\".config.system.build.toplevel";
    }

    private ProcessRunner.Result run(List<String> command) throws IOException, InterruptedException {
        LOG.infof("running: %s", ShellLine.of(command));
        return runner.run(command, workingDirectory, timeout);
    }
}
