package dev.gitopsagent.deploy;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The host's Nix release, for what depends on it. Reading a shallow clone is one such thing: Nix
 * 2.26 builds {@code git+file://...&shallow=1} from one (the oldest release tested), while Nix 2.8
 * fetches the clone into its own cache with git, which refuses a shallow source.
 */
public record NixVersion(int major, int minor) {

    private static final NixVersion READS_SHALLOW_CLONES = new NixVersion(2, 26);
    /** {@code nix (Nix) 2.26.3}; Lix and other implementations say otherwise and are not taken for Nix. */
    private static final Pattern VERSION = Pattern.compile("^nix \\(Nix\\) (\\d{1,4})\\.(\\d{1,4})");

    public static Optional<NixVersion> parse(String versionOutput) {
        Matcher matcher = VERSION.matcher(versionOutput.strip());
        return matcher.find() ? Optional.of(new NixVersion(Integer.parseInt(matcher.group(1)), Integer.parseInt(matcher.group(2))))
                : Optional.empty();
    }

    /** Runs {@code <nixCommand> --version}; empty when it is missing, fails, or is not Nix. */
    public static Optional<NixVersion> probe(String nixCommand, ProcessRunner runner, Path workingDirectory) throws InterruptedException {
        try {
            ProcessRunner.Result result = runner.run(List.of(nixCommand, "--version"), workingDirectory, Duration.ofSeconds(30));
            return result.succeeded() && !result.outputTail().isEmpty() ? parse(result.outputTail().get(0)) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    public boolean readsShallowClones() {
        return major > READS_SHALLOW_CLONES.major || major == READS_SHALLOW_CLONES.major && minor >= READS_SHALLOW_CLONES.minor;
    }

    @Override
    public String toString() {
        return major + "." + minor;
    }
}
