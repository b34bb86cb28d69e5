# example-host: copy this directory to hosts/<new-host>/ to add a machine.
# The directory name is the host name and the nixosConfigurations attribute.
{ config, lib, pkgs, ... }:

{
  imports = [ ./hardware-configuration.nix ];

  boot.loader.grub.enable = true;
  boot.loader.grub.device = "/dev/sda";

  # agenix decrypts with this key: it must exist before the first deploy of a
  # secret (it does on any NixOS host running sshd).
  services.openssh = {
    enable = true;
    settings.PasswordAuthentication = false;
    settings.PermitRootLogin = "prohibit-password";
  };

  users.users.root.openssh.authorizedKeys.keys = [
    # "ssh-ed25519 AAAA... alice@laptop"
  ];

  # Per-host agent settings. Everything else comes from modules/fleet.nix.
  services.gitops-agent = {
    deploy.action = "switch";
    poll.interval = "60s";
    # Checked after every switch/test; failing past health.deadline (2m)
    # switches back to the previous system and marks the commit failed.
    # health.units = [ "nginx.service" ];
    # health.httpProbes = [ "http://127.0.0.1/healthz" ];
    # health.commands = [ "${pkgs.curl}/bin/curl -fsS http://127.0.0.1/ready" ];
  };

  # Example of an application secret (README: "Add a secret"). Uncomment after
  # `agenix -e example-host/app-db-password.age`.
  # age.secrets.app-db-password = {
  #   file = ../../secrets/example-host/app-db-password.age;
  #   owner = "postgres";
  # };

  # Set once at install time and never changed; not the NixOS release.
  system.stateVersion = "25.05";
}
