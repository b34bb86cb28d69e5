package dev.gitopsagent.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A host in cache mode for a test: real Nix on a private store, the {@code file://} binary cache CI
 * pushes to with its signing key, and the host's system profile, running system and activation log
 * as plain paths under {@code root}. The fleet's flake is the {@link NixTestSystem}.
 */
public final class CacheModeHost {

    private final Fleet fleet;
    private final PrivateNix nix;
    private final PrivateNix.SigningKey ciKey;
    private final Path cache;
    private final Path activations;
    private final Path profile;
    private final Path currentSystem;

    private CacheModeHost(Path root, Fleet fleet) throws IOException {
        this.fleet = fleet;
        this.nix = PrivateNix.create(root.resolve("nix"));
        this.ciKey = nix.signingKey("ci.example.test-1");
        this.cache = root.resolve("cache");
        this.activations = root.resolve("host/activations");
        this.profile = root.resolve("host/profiles/system");
        this.currentSystem = root.resolve("host/run/current-system");
        Files.createDirectories(profile.getParent());
        Files.createDirectories(currentSystem.getParent());
        NixTestSystem.write(fleet.work(), activations, currentSystem);
    }

    public static CacheModeHost create(Path root, Fleet fleet) {
        try {
            return new CacheModeHost(root, fleet);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The fleet's agent configuration with cache mode on, trusting CI's key only. */
    public Map<String, String> agentProperties() {
        Map<String, String> properties = fleet.agentProperties();
        properties.put("gitops.deploy.cache.substituters", "file://" + cache);
        properties.put("gitops.deploy.cache.trusted-public-keys", ciKey.publicKey());
        properties.put("gitops.deploy.cache.nix-command", nix.command().toString());
        properties.put("gitops.deploy.system-profile", profile.toString());
        properties.put("gitops.deploy.current-system", currentSystem.toString());
        properties.put("gitops.deploy.timeout", "2m");
        return properties;
    }

    /** What CI builds: the same commit, from the forge's repository. */
    public String installable(String commit) {
        return NixTestSystem.installable(fleet.remote(), commit, Fleet.HOST);
    }

    /** CI builds {@code commit}'s toplevel and pushes it to the cache signed with its key; returns the store path. */
    public String publish(String commit) {
        return nix.publish(installable(commit), cache, ciKey);
    }

    public PrivateNix nix() {
        return nix;
    }

    public Path cache() {
        return cache;
    }

    public Path activations() {
        return activations;
    }

    public Path profile() {
        return profile;
    }

    public Path currentSystem() {
        return currentSystem;
    }
}
