package dev.gitopsagent.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the host is running, read from the system itself: the profile's generation links
 * ({@code system -> system-42-link -> /nix/store/...}) and the commit id the running system was built
 * from, which the NixOS module writes to {@code /run/current-system/etc/gitops-agent/revision}.
 */
public final class SystemProfile {

    private static final Pattern GENERATION_LINK = Pattern.compile("system-(\\d+)-link");
    static final Path REVISION_FILE = Path.of("etc", "gitops-agent", "revision");

    /** A system generation: its number and the store path it points to. */
    public record Generation(int number, String storePath) {
    }

    private final Path profile;
    private final Path currentSystem;

    public SystemProfile(Path profile, Path currentSystem) {
        this.profile = profile;
        this.currentSystem = currentSystem;
    }

    public Optional<Generation> currentGeneration() {
        try {
            if (!Files.isSymbolicLink(profile)) {
                return Optional.empty();
            }
            Path link = Files.readSymbolicLink(profile);
            Matcher matcher = GENERATION_LINK.matcher(link.getFileName().toString());
            if (!matcher.matches()) {
                return Optional.empty();
            }
            Path resolved = profile.resolveSibling(link);
            String storePath = Files.isSymbolicLink(resolved) ? Files.readSymbolicLink(resolved).toString() : resolved.toString();
            return Optional.of(new Generation(Integer.parseInt(matcher.group(1)), storePath));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** The commit the running system was built from, if the running system says. */
    public Optional<String> runningCommit() {
        Path file = currentSystem.resolve(REVISION_FILE);
        try {
            if (!Files.isReadable(file)) {
                return Optional.empty();
            }
            String revision = Files.readString(file).strip();
            return revision.matches("[0-9a-f]{40}") ? Optional.of(revision) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
