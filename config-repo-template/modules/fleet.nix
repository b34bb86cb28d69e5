# Settings shared by every host of the fleet. A host overrides any of them in
# hosts/<name>/configuration.nix.
{ config, lib, pkgs, inputs, ... }:

let
  host = config.services.gitops-agent.host;

  # Per-host secrets live in secrets/<host>/ (see secrets/README.md). They are
  # only wired up once they exist, so a fresh copy of this template evaluates
  # before any secret has been created with `agenix -e`.
  hostSecret = name: ../secrets + "/${host}/${name}.age";
  hasSecret = name: builtins.pathExists (hostSecret name);
  secretPath = name: if hasSecret name then config.age.secrets.${name}.path else null;

  openpgpDir = ../trust/openpgp;
  openpgpKeys = map (f: openpgpDir + "/${f}")
    (lib.attrNames (lib.filterAttrs (f: type: type == "regular" && lib.hasSuffix ".asc" f) (builtins.readDir openpgpDir)));
in
{
  services.gitops-agent = {
    enable = true;
    # Built from the gitops-agent flake input (flake.nix): the native executable
    # where nixpkgs has GraalVM (x86_64-linux, aarch64-linux), else the JVM build.
    # JVM on every host: add `native = false;` next to `src`.
    package = lib.mkDefault (pkgs.callPackage ../pkgs/gitops-agent.nix { src = inputs.gitops-agent; });

    # CHANGE ME: where this repository lives. A read-only deploy key (SSH) or
    # token (HTTPS) per host is enough: the agent never pushes.
    repository.url = lib.mkDefault "git@github.com:example/fleet.git";
    repository.sshKeyFile = secretPath "gitops-deploy-key";
    repository.tokenFile = secretPath "gitops-repo-token";
    repository.knownHostsFile = ../trust/known_hosts;

    # Trust anchors are copied from this commit into the host's /etc at build
    # time. The host therefore trusts the keys of the commit it already runs,
    # which were themselves verified: the chain starts at rootCommit.
    trust.allowedSigners = ../trust/allowed_signers;
    trust.openpgpKeys = openpgpKeys;
    # Set once, to the first commit you signed (README: "Pin the first trusted commit").
    # trust.rootCommit = "0123456789abcdef0123456789abcdef01234567";

    control.tokenFile = secretPath "gitops-control-token";
    webhook.secretFile = secretPath "gitops-webhook-secret";
  };

  # agenix decrypts at activation with the host's own SSH host key
  # (age.identityPaths defaults to it), into /run/agenix: never the store, and
  # rebuilt on every boot without anyone logging in.
  age.secrets = lib.genAttrs
    (lib.filter hasSecret [ "gitops-deploy-key" "gitops-repo-token" "gitops-control-token" "gitops-webhook-secret" ])
    (name: {
      file = hostSecret name;
      owner = "root";
      mode = "0400";
    });

  # Flakes are what the agent builds; make them available for humans too.
  nix.settings.experimental-features = [ "nix-command" "flakes" ];
}
