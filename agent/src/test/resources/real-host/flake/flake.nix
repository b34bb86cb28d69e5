# Test fleet for the booted Debian host: a flake without nixpkgs whose
# nixosConfigurations.<host>.config.system.build.toplevel is a plain derivation
# (builder /bin/sh, unsandboxed), shaped like a NixOS system closure:
#   etc/gitops-agent/revision      the commit it was built from (read by the agent)
#   etc/gitops-agent/trust/...     trust files for the agent, if hosts/<host>/trust exists
#   etc/systemd/system/*.service   the units hosts/<host>/units defines
#   kernel-params                  hosts/<host>/kernel-params, if it exists (a reboot is then pending)
#   bin/switch-to-configuration    installs, starts and stops those units
{
  outputs = { self }:
    let
      toplevel = name: derivation {
        name = "nixos-system-${name}";
        system = "x86_64-linux";
        builder = "/bin/sh";
        args = [ ./build-system.sh ];
        # Unsandboxed build: the container's own tools.
        PATH = "/usr/bin:/bin";
        host = ./hosts + "/${name}";
        activation = ./switch-to-configuration;
        revision = self.rev or "dirty";
      };
    in
    {
      nixosConfigurations = builtins.mapAttrs
        (name: _: { config.system.build.toplevel = toplevel name; })
        (builtins.readDir ./hosts);
    };
}
