{
  description = "Fleet configuration deployed by gitops-agent";

  inputs = {
    # One pinned nixpkgs for every host: flake.lock, not whichever channel the
    # machine that ran nixos-rebuild happened to follow, decides what is built.
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-25.05";

    agenix = {
      url = "github:ryantm/agenix";
      inputs.nixpkgs.follows = "nixpkgs";
      # Only the NixOS module is used; skip the macOS and home-manager inputs.
      inputs.darwin.follows = "";
      inputs.home-manager.follows = "";
    };

    # The gitops-agent source, built by pkgs/gitops-agent.nix (a native
    # executable with nixpkgs' GraalVM; JVM fallback with native = false).
    # CHANGE ME: replace with where you host gitops-agent
    # (any flake URL works: github:, git+ssh://, a tag via ?ref=refs/tags/v0.1.0).
    # flake = false: only the source tree is used, pinned by flake.lock.
    gitops-agent = {
      url = "git+https://github.com/OWNER/gitops-agent";
      flake = false;
    };
  };

  outputs = { self, nixpkgs, agenix, ... }@inputs:
    let
      inherit (nixpkgs) lib;

      # Adding a host is adding a directory: hosts/<name>/configuration.nix
      # becomes nixosConfigurations.<name>, the attribute the agent on that
      # host builds (gitops.host defaults to the host name).
      hostNames = lib.attrNames (lib.filterAttrs (_: type: type == "directory") (builtins.readDir ./hosts));

      mkHost = name: lib.nixosSystem {
        specialArgs = { inherit inputs; };
        modules = [
          agenix.nixosModules.default
          self.nixosModules.gitops-agent
          ./modules/fleet.nix
          ./hosts/${name}/configuration.nix
          {
            networking.hostName = lib.mkDefault name;
            # The agent builds git+file://...?rev=<sha>, so self.rev is exactly
            # the verified commit; "dirty" marks a hand build from a work tree.
            services.gitops-agent.revision = self.rev or "dirty";
          }
        ];
      };
    in
    {
      # A module that imports the file, not the bare path: Nix 2.8's `nix flake check`
      # refuses a path here ("module must be a function or an attribute set").
      nixosModules.gitops-agent = { imports = [ ./modules/gitops-agent.nix ]; };
      nixosModules.default = self.nixosModules.gitops-agent;

      nixosConfigurations = lib.genAttrs hostNames mkHost;

      # `nix build .#gitops-agent` builds the agent alone; the first build
      # prints the mvnHash to put into pkgs/gitops-agent.nix. Hosts build the
      # same file with their own pkgs (modules/fleet.nix).
      packages = lib.genAttrs [ "x86_64-linux" "aarch64-linux" ] (system: {
        gitops-agent = nixpkgs.legacyPackages.${system}.callPackage ./pkgs/gitops-agent.nix { src = inputs.gitops-agent; };
      });

      # `nix flake check` builds every host's toplevel: a commit that breaks
      # any host fails before it is pushed, not on the host.
      checks = lib.foldl' lib.recursiveUpdate { } (map
        (name:
          let system = self.nixosConfigurations.${name};
          in { ${system.pkgs.stdenv.hostPlatform.system}."host-${name}" = system.config.system.build.toplevel; })
        hostNames);

      devShells = lib.genAttrs [ "x86_64-linux" "aarch64-linux" ] (system:
        let pkgs = nixpkgs.legacyPackages.${system};
        in {
          default = pkgs.mkShell {
            packages = [ agenix.packages.${system}.default pkgs.age pkgs.git pkgs.gnupg pkgs.openssh ];
          };
        });
    };
}
