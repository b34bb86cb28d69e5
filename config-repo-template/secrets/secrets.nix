# Recipients of every encrypted secret; read by the `agenix` CLI only, never by
# the NixOS configuration. Only public keys appear here.
#
# A host can decrypt only its own secrets (secrets/<host>/*.age), with its own
# SSH host key; admins can decrypt everything so they can edit and re-key.
let
  # Admins: your personal SSH public keys (cat ~/.ssh/id_ed25519.pub).
  admins = [
    # "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA... alice@laptop"
  ];

  # Hosts: each machine's SSH host key, read from the machine itself:
  #   ssh-keyscan -t ed25519 <host>   or   cat /etc/ssh/ssh_host_ed25519_key.pub
  hosts = {
    example-host = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAREPLACE-WITH-example-host-HOST-KEY";
  };

  # Secrets every host has (the names modules/fleet.nix looks for) plus
  # per-host extras (README: "Add a secret").
  common = [ "gitops-deploy-key" "gitops-repo-token" "gitops-control-token" "gitops-webhook-secret" ];
  extra = {
    example-host = [ "app-db-password" ];
  };

  forHost = host:
    map
      (name: {
        name = "${host}/${name}.age";
        value.publicKeys = admins ++ [ hosts.${host} ];
      })
      (common ++ (extra.${host} or [ ]));
in
builtins.listToAttrs (builtins.concatMap forHost (builtins.attrNames hosts))
