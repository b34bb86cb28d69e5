package dev.gitopsagent.testing;

import java.nio.file.Path;

import dev.gitopsagent.deploy.FlakeRef;

/**
 * A fleet flake real Nix builds offline in a test (no nixpkgs; builders are /bin/sh, unsandboxed),
 * with the parts of a NixOS toplevel the agent reads: {@code etc/gitops-agent/revision} (the commit),
 * {@code kernel} (a link to a store path of its own, which changes only when
 * {@code hosts/<host>/kernel} does) and {@code bin/switch-to-configuration}, which appends
 * {@code <action> <toplevel>} to an activation log and, for switch and test, points a
 * current-system link at the toplevel.
 */
public final class NixTestSystem {

    private NixTestSystem() {
    }

    /** Writes flake.nix and its builder; the hosts are the directories under {@code hosts/}. */
    public static void write(WorkRepo repo, Path activations, Path currentSystem) {
        repo.writeFile("flake.nix", """
                {
                  outputs = { self }: {
                    nixosConfigurations = builtins.mapAttrs (name: _:
                      let
                        host = ./hosts + "/${name}";
                        kernel = derivation {
                          name = "linux";
                          system = "x86_64-linux";
                          builder = "/bin/sh";
                          args = [ "-c" "echo \\"$version\\" >$out" ];
                          version = if builtins.pathExists (host + "/kernel") then builtins.readFile (host + "/kernel") else "6.6";
                        };
                      in {
                        config.system.build.toplevel = derivation {
                          name = "nixos-system-${name}";
                          system = "x86_64-linux";
                          builder = "/bin/sh";
                          args = [ ./build.sh ];
                          PATH = "/usr/bin:/bin";
                          revision = self.rev or "dirty";
                          configuration = builtins.readFile (host + "/configuration.nix");
                          inherit kernel;
                          activations = "%s";
                          currentSystem = "%s";
                        };
                      }) (builtins.readDir ./hosts);
                  };
                }
                """.formatted(activations, currentSystem));
        repo.writeFile("build.sh", """
                set -eu
                mkdir -p "$out/bin" "$out/etc/gitops-agent"
                printf '%s' "$revision" >"$out/etc/gitops-agent/revision"
                printf '%s' "$configuration" >"$out/configuration.nix"
                ln -s "$kernel" "$out/kernel"
                cat >"$out/bin/switch-to-configuration" <<EOF
                #!/bin/sh
                echo "\\$1 $out" >>"$activations"
                case "\\$1" in switch | test) ln -sfn "$out" "$currentSystem" ;; esac
                EOF
                chmod +x "$out/bin/switch-to-configuration"
                """);
    }

    /** Gives the host another kernel (a new store path); nothing else changes with it. */
    public static void kernel(WorkRepo repo, String host, String version) {
        repo.writeFile("hosts/" + host + "/kernel", version);
    }

    /** The host's toplevel at {@code commit} of the repository at {@code repository} (CI's view: the forge's repository). */
    public static String installable(Path repository, String commit, String host) {
        return new FlakeRef(repository, "main", commit, host, false).url() + "#nixosConfigurations.\"" + host + "\".config.system.build.toplevel";
    }
}
