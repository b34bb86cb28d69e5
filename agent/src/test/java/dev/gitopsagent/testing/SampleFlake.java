package dev.gitopsagent.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * Writes a minimal NixOS flake config repo into a {@link WorkRepo}: {@code flake.nix} plus
 * {@code hosts/<host>/configuration.nix} per host.
 *
 * <p>The Nix is never evaluated (no Nix in tests); {@link NixosRebuildDouble} reads the host's configuration.nix
 * at the requested revision. Lines starting with {@code # test-double:} steer the double (slow build, failing
 * activation) and {@code throw "..."} makes it fail like an evaluation error.
 */
public final class SampleFlake {

    private SampleFlake() {
    }

    /** Adds (or resets) a host with a plain configuration and regenerates flake.nix to list every host. */
    public static void writeHost(WorkRepo repo, String host) {
        writeConfiguration(repo, host, "");
    }

    /** Adds or replaces a host whose configuration carries extra (Nix or {@code # test-double:}) lines. */
    public static void writeHost(WorkRepo repo, String host, String extraLines) {
        writeConfiguration(repo, host, extraLines);
    }

    /** Makes the host's configuration fail evaluation with {@code error: <message>}. */
    public static void breakEvaluation(WorkRepo repo, String host, String message) {
        writeConfiguration(repo, host, "  assertions = throw \"" + message.replace("\"", "\\\"") + "\";\n");
    }

    /** Makes the double's build of this host take the given number of seconds (a child {@code sleep}). */
    public static void slowBuild(WorkRepo repo, String host, int seconds) {
        writeConfiguration(repo, host, "  # test-double: sleep " + seconds + "\n");
    }

    /** Builds fine, but switch/test exit 4 with "the following units failed", as switch-to-configuration does. */
    public static void failActivation(WorkRepo repo, String host) {
        writeConfiguration(repo, host, "  # test-double: activation-fails\n"
                + "  systemd.services.broken.script = \"exit 1\";\n");
    }

    /** Changes the host's configuration content so the next commit really changes its system. */
    public static void changeMotd(WorkRepo repo, String host, String motd) {
        writeConfiguration(repo, host, "  users.motd = \"" + motd.replace("\"", "\\\"") + "\";\n");
    }

    public static String configurationPath(String host) {
        return "hosts/" + host + "/configuration.nix";
    }

    private static void writeConfiguration(WorkRepo repo, String host, String extraLines) {
        requireHostName(host);
        repo.writeFile(configurationPath(host), """
                { config, pkgs, lib, ... }:
                {
                  networking.hostName = "%s";
                  boot.loader.grub.device = "nodev";
                  fileSystems."/" = { device = "/dev/disk/by-label/nixos"; fsType = "ext4"; };
                  services.openssh.enable = true;
                  system.stateVersion = "24.05";
                %s}
                """.formatted(host, extraLines));
        repo.writeFile("flake.nix", flakeNix(hostsIn(repo)));
    }

    static String flakeNix(List<String> hosts) {
        StringBuilder configurations = new StringBuilder();
        for (String host : hosts) {
            configurations.append("""
                        "%s" = nixpkgs.lib.nixosSystem {
                          system = "x86_64-linux";
                          modules = [ ./hosts/%s/configuration.nix revisionModule ];
                        };
                    """.formatted(host, host));
        }
        return """
                {
                  description = "gitops-agent test fleet";

                  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-24.05";

                  outputs = { self, nixpkgs }:
                    let
                      # The agent reads the deployed revision from /run/current-system/etc/gitops-agent/revision.
                      revisionModule = {
                        system.configurationRevision = self.rev or "dirty";
                        environment.etc."gitops-agent/revision".text = self.rev or "dirty";
                      };
                    in {
                      nixosConfigurations = {
                %s      };
                    };
                }
                """.formatted(configurations);
    }

    private static List<String> hostsIn(WorkRepo repo) {
        Path hostsDir = repo.workTree().resolve("hosts");
        try (Stream<Path> dirs = Files.list(hostsDir)) {
            return dirs.filter(dir -> Files.isRegularFile(dir.resolve("configuration.nix")))
                    .map(dir -> dir.getFileName().toString())
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void requireHostName(String host) {
        if (!host.matches("[A-Za-z0-9][A-Za-z0-9_-]*")) {
            throw new IllegalArgumentException("not a usable host/attribute name: " + host);
        }
    }
}
