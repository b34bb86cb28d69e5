# NixOS module: services.gitops-agent
#
# Renders /etc/gitops-agent/agent.properties, the systemd unit (same hardening
# as systemd/gitops-agent.service in the agent repository, documented in that
# directory's README) and the state directory, and publishes the deployed
# commit at /run/current-system/etc/gitops-agent/revision, which is how the
# agent learns what is actually running.
{ config, lib, pkgs, ... }:

let
  cfg = config.services.gitops-agent;
  inherit (lib) mkEnableOption mkOption mkIf types literalExpression;

  # Secrets are referenced by path only. A Nix path literal (./token) or a
  # string pointing into /nix/store would mean the secret itself is in the
  # world-readable store, which is exactly what agenix/sops-nix exist to avoid.
  secretPath = description: mkOption {
    type = types.nullOr types.str;
    default = null;
    example = "/run/agenix/gitops-control-token";
    description = ''
      ${description}
      Give a runtime path as a string (for example `config.age.secrets.<name>.path`),
      never a Nix path literal: that would copy the secret into the Nix store.
    '';
  };

  # What the agent's Duration converter accepts: a number of seconds, a number
  # with one unit (ms, s, m, h, d), or ISO-8601 (PT1H30M). "15min" is refused
  # here rather than at the agent's startup.
  duration = types.strMatching "[0-9]+(ms|s|m|h|d)?|[0-9]+[.][0-9]+s|[Pp][0-9A-Za-z.]+";

  durationOption = default: description: mkOption {
    type = duration;
    inherit default;
    example = "90s";
    description = "${description} A number with a unit (`ms`, `s`, `m`, `h`, `d`) or ISO-8601 (`PT1H30M`).";
  };

  # A list key (gitops.health.commands, ...) is one comma-separated value. The
  # agent's config reader splits it on "," (an element's own commas are
  # escaped as \, and backslashes as \\) and expands ${...} expressions
  # unless the dollar is doubled, so every element is escaped to arrive
  # verbatim: `test -n "$X" || curl -f 'http://a/?x=1,2'` reaches `sh -c` as
  # written. null when empty, so the agent's own default (no entries) applies.
  renderList = xs:
    if xs == [ ] then null
    else lib.concatMapStringsSep ","
      (x: lib.replaceStrings [ "\\" "," "$" ] [ "\\\\" "\\," "$$" ] (toString x))
      xs;

  # A mirror is a URL, or an attribute set with the URL and that mirror's own
  # credentials. The primary remote's token and key are never given to a
  # mirror (the agent treats mirrors as untrusted); a mirror's credentials go
  # to the agent as gitops.repository.mirror.<position>.*, counted from 1.
  mirrorType = types.submodule {
    options = {
      url = mkOption {
        type = types.str;
        description = "The mirror's URL.";
      };
      username = mkOption {
        type = types.nullOr types.str;
        default = null;
        description = "User name sent with this mirror's token; null means `git`.";
      };
      tokenFile = secretPath "File holding this mirror's HTTPS token (https:// URLs only; the agent refuses to send a token over http://).";
      sshKeyFile = secretPath "Private SSH key for this mirror, if it is an SSH remote.";
      knownHostsFile = mkOption {
        type = types.nullOr types.path;
        default = null;
        description = "known_hosts pinning this mirror's SSH host key; required with sshKeyFile.";
      };
    };
  };
  mirrorUrl = m: if builtins.isString m then m else m.url;
  mirrorSettings = lib.foldl' (settings: more: settings // more) { } (lib.imap1
    (i: m:
      let key = name: "gitops.repository.mirror.${toString i}.${name}"; in
      if builtins.isString m then { } else {
        ${key "username"} = m.username;
        ${key "token-file"} = m.tokenFile;
        ${key "ssh-key-file"} = m.sshKeyFile;
        ${key "known-hosts-file"} = m.knownHostsFile;
      })
    cfg.repository.mirrors);

  # A hook is one `sh -c` command; its dollars are doubled so that the agent's
  # config reader passes `$GITOPS_COMMIT` and `''${GITOPS_REASON}` through to
  # the shell instead of expanding them itself.
  renderCommand = c: if c == null then null else lib.replaceStrings [ "$" ] [ "$$" ] c;

  notifyType = types.submodule {
    options = {
      url = mkOption {
        type = types.strMatching "https?://.+";
        description = "Where to send: a generic JSON receiver, a Slack incoming webhook, or a Matrix room's send URL (`https://<homeserver>/_matrix/client/v3/rooms/<room id>/send/m.room.message`; the agent appends a transaction id).";
      };
      format = mkOption {
        type = types.enum [ "json" "slack" "matrix" ];
        default = "json";
        description = "Payload shape: `json` (event, host, commit, action, reason, at, summary), `slack` (`text`) or `matrix` (`msgtype`, `body`).";
      };
      tokenFile = secretPath "File holding a token sent as `Authorization: Bearer` (a Matrix access token); https:// URLs only.";
    };
  };
  notifySettings = lib.foldl' (settings: more: settings // more) { } (lib.mapAttrsToList
    (name: n:
      let key = k: "gitops.notify.${name}.${k}"; in {
        ${key "url"} = n.url;
        ${key "format"} = n.format;
        ${key "token-file"} = n.tokenFile;
      })
    cfg.notify);

  # Trust anchors are public keys: copying them into the store is fine, and
  # doing it at build time is the point (see trust.allowedSigners).
  trustFiles =
    lib.optionalAttrs (cfg.trust.allowedSigners != null) {
      "gitops-agent/trust/allowed_signers".source = cfg.trust.allowedSigners;
    }
    // lib.listToAttrs (lib.imap0
      (i: key: lib.nameValuePair "gitops-agent/trust/openpgp/${toString i}-${baseNameOf key}" { source = key; })
      cfg.trust.openpgpKeys);

  openpgpEtcPaths = lib.imap0
    (i: key: "/etc/gitops-agent/trust/openpgp/${toString i}-${baseNameOf key}")
    cfg.trust.openpgpKeys;

  # One entry per key of the agent's AgentConfig (agent/src/main/java/dev/
  # gitopsagent/config/AgentConfig.java). Spell them exactly: Quarkus ignores
  # an unknown gitops.* key silently, so a typo would quietly leave the
  # agent's default in force.
  typedSettings = {
    "gitops.repository.url" = cfg.repository.url;
    "gitops.repository.mirrors" = renderList (map mirrorUrl cfg.repository.mirrors);
    "gitops.repository.branch" = cfg.repository.branch;
    "gitops.repository.username" = cfg.repository.username;
    "gitops.repository.token-file" = cfg.repository.tokenFile;
    "gitops.repository.ssh-key-file" = cfg.repository.sshKeyFile;
    "gitops.repository.known-hosts-file" = if cfg.repository.knownHostsFile == null then null else "/etc/gitops-agent/known_hosts";
    "gitops.repository.timeout" = cfg.repository.timeout;
    "gitops.repository.fetch.max-bytes" = cfg.repository.fetch.maxBytes;
    "gitops.repository.fetch.max-objects" = cfg.repository.fetch.maxObjects;
    "gitops.repository.fetch.max-object-bytes" = cfg.repository.fetch.maxObjectBytes;
    "gitops.repository.first-sync" = cfg.repository.firstSync;
    "gitops.host" = cfg.host;
    "gitops.state-dir" = cfg.stateDir;
    "gitops.poll.interval" = cfg.poll.interval;
    "gitops.poll.jitter" = cfg.poll.jitter;
    "gitops.poll.max-backoff" = cfg.poll.maxBackoff;
    "gitops.testing.enabled" = cfg.testing.enable;
    "gitops.testing.branch" = cfg.testing.branch;
    "gitops.trust.openpgp-keys" = renderList openpgpEtcPaths;
    "gitops.trust.allowed-signers" = if cfg.trust.allowedSigners == null then null else "/etc/gitops-agent/trust/allowed_signers";
    "gitops.trust.root-commit" = cfg.trust.rootCommit;
    "gitops.trust.high-water-mark" = cfg.trust.highWaterMark;
    "gitops.trust.max-commit-age" = cfg.trust.maxCommitAge;
    "gitops.trust.verify" = cfg.trust.verify;
    "gitops.trust.policy" = cfg.trust.policy;
    "gitops.trust.max-clock-skew" = cfg.trust.maxClockSkew;
    "gitops.deploy.command" = cfg.deploy.command;
    "gitops.deploy.action" = cfg.deploy.action;
    "gitops.deploy.timeout" = cfg.deploy.timeout;
    "gitops.deploy.system-profile" = cfg.deploy.systemProfile;
    "gitops.deploy.current-system" = cfg.deploy.currentSystem;
    "gitops.deploy.history-size" = cfg.deploy.historySize;
    "gitops.deploy.output-tail-lines" = cfg.deploy.outputTailLines;
    "gitops.deploy.keep-generations" = cfg.deploy.keepGenerations;
    "gitops.drift.self-heal" = cfg.drift.selfHeal;
    "gitops.hooks.on-success" = renderCommand cfg.hooks.onSuccess;
    "gitops.hooks.on-failure" = renderCommand cfg.hooks.onFailure;
    "gitops.hooks.on-refusal" = renderCommand cfg.hooks.onRefusal;
    "gitops.hooks.on-rollback" = renderCommand cfg.hooks.onRollback;
    "gitops.hooks.timeout" = cfg.hooks.timeout;
    # Windows are separated by ";": a window's own weekday list uses commas.
    "gitops.deploy.windows" = if cfg.deploy.windows == [ ] then null else lib.concatStringsSep "; " cfg.deploy.windows;
    "gitops.deploy.cache.substituters" = renderList cfg.deploy.cache.substituters;
    "gitops.deploy.cache.trusted-public-keys" = renderList cfg.deploy.cache.trustedPublicKeys;
    "gitops.deploy.cache.max-wait" = cfg.deploy.cache.maxWait;
    "gitops.deploy.cache.check-interval" = cfg.deploy.cache.checkInterval;
    "gitops.deploy.cache.on-missing" = cfg.deploy.cache.onMissing;
    "gitops.deploy.reboot.activation" = cfg.deploy.reboot.activation;
    "gitops.deploy.reboot.windows" = if cfg.deploy.reboot.windows == [ ] then null else lib.concatStringsSep "; " cfg.deploy.reboot.windows;
    "gitops.deploy.reboot.command" = cfg.deploy.reboot.command;
    "gitops.rollout.wave" = cfg.rollout.wave;
    "gitops.rollout.waves" = cfg.rollout.waves;
    "gitops.rollout.soak" = cfg.rollout.soak;
    "gitops.rollout.forge-gate.min-successes" = cfg.rollout.forgeGate.minSuccesses;
    "gitops.rollout.forge-gate.check-interval" = cfg.rollout.forgeGate.checkInterval;
    "gitops.health.enabled" = cfg.health.enable;
    "gitops.health.deadline" = cfg.health.deadline;
    "gitops.health.retry-interval" = cfg.health.retryInterval;
    "gitops.health.remote-reachable" = cfg.health.remoteReachable;
    "gitops.health.no-failed-units" = cfg.health.noFailedUnits;
    "gitops.health.units" = renderList cfg.health.units;
    "gitops.health.http-probes" = renderList cfg.health.httpProbes;
    "gitops.health.commands" = renderList cfg.health.commands;
    "gitops.health.systemctl" = cfg.health.systemctl;
    "gitops.http.host" = if cfg.metrics.allowFrom == [ ] then cfg.http.host else cfg.metrics.listenAddress;
    "gitops.http.port" = cfg.http.port;
    "gitops.control.token-file" = cfg.control.tokenFile;
    "gitops.forge.type" = cfg.forge.type;
    "gitops.forge.api-url" = cfg.forge.apiUrl;
    "gitops.forge.repository" = cfg.forge.repository;
    "gitops.forge.token-file" = cfg.forge.tokenFile;
    "gitops.forge.target-url" = cfg.forge.targetUrl;
    "gitops.webhook.secret-file" = cfg.webhook.secretFile;
    "gitops.webhook.min-interval" = cfg.webhook.minInterval;
    "gitops.webhook.max-body-bytes" = cfg.webhook.maxBodyBytes;
    "gitops.status-page.commit-url" = cfg.statusPage.commitUrl;
    "gitops.status-page.refresh-seconds" = cfg.statusPage.refreshSeconds;
  };

  # Free-form settings win over typed options so that a key the module does
  # not know yet (a newer agent) can always be set or overridden.
  allSettings = lib.filterAttrs (_: v: v != null) (typedSettings // mirrorSettings // notifySettings) // cfg.settings;

  # java.util.Properties syntax: backslash escapes, one entry per line. A Nix path
  # (./file in the flake) is interpolated, not passed to toString: "${./file}" copies
  # the file into the store and carries it as a reference of agent.properties, so it
  # is in the system closure; toString would only write down where it was evaluated
  # from, a path the garbage collector may delete and another host never has.
  renderValue = v:
    let
      s = if builtins.isBool v then lib.boolToString v
        else if builtins.isPath v then "${v}"
        else toString v;
    in
    lib.replaceStrings [ "\\" "\n" ] [ "\\\\" "\\n" ] s;

  configFile = pkgs.writeText "gitops-agent.properties" (
    "# Generated by the services.gitops-agent NixOS module; edit the flake instead.\n"
    # The package path makes a new agent build change this file, and the agent restarts itself
    # (exit 75) when a deployment changed its configuration file.
    + "# package: ${cfg.package}\n"
    + lib.concatStrings (lib.mapAttrsToList (k: v: "${k}=${renderValue v}\n") allSettings)
  );

  isStorePath = p: p != null && lib.hasPrefix builtins.storeDir (toString p);

  # Firewall rules admitting the configured Prometheus servers, and no one
  # else, to the agent's port. The address type only lets through address
  # characters, so nothing here can splice a shell or nft command.
  isIPv6 = lib.hasInfix ":";
  port = toString cfg.http.port;
  iptablesRules = lib.concatMapStrings
    (addr: "${if isIPv6 addr then "ip6tables" else "iptables"} -A nixos-fw -p tcp -s ${addr} --dport ${port} -j nixos-fw-accept\n")
    cfg.metrics.allowFrom;
  nftablesRules = lib.concatMapStrings
    (addr: "${if isIPv6 addr then "ip6" else "ip"} saddr ${addr} tcp dport ${port} accept\n")
    cfg.metrics.allowFrom;
in
{
  options.services.gitops-agent = {
    enable = mkEnableOption "gitops-agent, the pull-based deployment agent for this host";

    package = mkOption {
      type = types.package;
      example = literalExpression "pkgs.callPackage ../pkgs/gitops-agent.nix { src = inputs.gitops-agent; }";
      description = ''
        Package providing `bin/gitops-agent`: a native executable or a JVM
        build. A JVM build sets `passthru.jvm = true`, which turns
        `MemoryDenyWriteExecute` off for the unit (the JIT needs it).
      '';
    };

    revision = mkOption {
      type = types.nullOr types.str;
      default = null;
      example = literalExpression ''self.rev or "dirty"'';
      description = ''
        Commit this system is built from; becomes `system.configurationRevision`
        and `/etc/gitops-agent/revision`. The flake sets it from `self.rev`.
      '';
    };

    repository = {
      url = mkOption {
        type = types.str;
        example = "git@github.com:example/fleet.git";
        description = "Config repository (https://, ssh://, scp-like git@host:path or file://).";
      };
      branch = mkOption {
        type = types.str;
        default = "main";
        description = "Branch whose signed head is deployed.";
      };
      mirrors = mkOption {
        type = types.listOf (types.either types.str mirrorType);
        default = [ ];
        example = literalExpression ''
          [
            "https://git.example.org/fleet.git"
            { url = "https://backup.example.org/fleet.git"; tokenFile = config.age.secrets.gitops-backup-token.path; }
          ]
        '';
        description = ''
          Fallback remotes tried in order when the primary is unreachable. Every
          commit is verified the same way whichever remote served it. A mirror
          is sent only the credentials given in its own entry, never those of
          the primary remote.
        '';
      };
      username = mkOption {
        type = types.str;
        default = "git";
        description = "User name for HTTPS (with tokenFile) or SSH.";
      };
      tokenFile = secretPath "File holding the primary remote's HTTPS access token, sent as the password; https:// URLs only (the agent refuses to start with a token for an http:// remote). Mirrors never receive it.";
      sshKeyFile = secretPath "Private SSH key used to fetch from the primary remote over SSH (a read-only deploy key). Mirrors never receive it.";
      knownHostsFile = mkOption {
        type = types.nullOr types.path;
        default = null;
        description = "known_hosts file pinning the SSH host key of the Git server. Public data, so a path in the flake is fine: it is installed as /etc/gitops-agent/known_hosts, which agent.properties names.";
      };
      timeout = durationOption "60s" "Network timeout for one fetch from one remote; the next mirror is tried after it.";
      firstSync = mkOption {
        type = types.enum [ "auto" "shallow" "full" ];
        default = "auto";
        description = ''
          How much history a new host's first sync fetches when nothing older
          than the head must be verified (no deployment, high-water mark,
          configuration revision or trust root on record): `shallow` the head
          alone, `full` everything, `auto` the head alone when the host's Nix
          can build from a shallow clone (2.26 and later). The clone fetches the
          rest of the history by itself when a later commit reaches below that
          head. A shallow clone gives the flake no `self.revCount`.
        '';
      };
      fetch = {
        maxBytes = mkOption {
          type = types.ints.positive;
          default = 536870912;
          description = ''
            Pack bytes one fetch may bring in (the first fetch brings the whole
            history). More is refused (`fetch-too-large`): nothing of it is kept,
            nothing is built, and the next poll tries again. A 50,000-commit
            repository has a pack of about 44 MiB.
          '';
        };
        maxObjects = mkOption {
          type = types.ints.positive;
          default = 1000000;
          description = ''
            Objects one fetch may bring in, read from the pack header before the
            objects are. More is refused (`too-many-objects`). A 50,000-commit
            repository has about 250,000 objects. The JVM build also refuses
            more than its heap could index (`heap-too-small`): 790,528
            objects with the unit's -Xmx64m, at least 64 bytes an object. A
            repository needs about 170 (1 MiB of heap per 6,000 objects).
          '';
        };
        maxObjectBytes = mkOption {
          type = types.ints.positive;
          default = 8388608;
          description = ''
            The largest object a fetch holds whole in memory (a commit, tree or
            tag, a delta, what a delta makes, a blob with deltas on it, in the
            pack or in the clone). More is refused (`object-too-large`), and so
            is a fetch whose deltas would make one thread hold more than four
            such objects at once (`held-too-large`). A whole blob with no
            delta on it streams and is not limited by it. Raise it, and the heap
            with it, for a blob over 8 MiB that git stores as a delta.
          '';
        };
      };
    };

    host = mkOption {
      type = types.str;
      default = config.networking.hostName;
      defaultText = literalExpression "config.networking.hostName";
      description = "Name of this host in the flake: the agent builds `nixosConfigurations.<host>`.";
    };

    hooks = let
      hook = event: mkOption {
        type = types.nullOr types.str;
        default = null;
        example = literalExpression ''"''${pkgs.curl}/bin/curl -fsS -d \"$GITOPS_HOST $GITOPS_EVENT $GITOPS_COMMIT\" https://ntfy.example.org/fleet"'';
        description = ''
          Command (`sh -c`) run after ${event}, on a background thread, with
          GITOPS_EVENT, GITOPS_HOST, GITOPS_COMMIT, GITOPS_ACTION and
          GITOPS_REASON in its environment. It never delays or changes the
          deployment; it is killed after `hooks.timeout`. Not run in dry-run.
        '';
      };
    in {
      onSuccess = hook "a successful deployment";
      onFailure = hook "a failed build, activation or health check";
      onRefusal = hook "a refused commit or fetch";
      onRollback = hook "an automatic or operator rollback";
      timeout = durationOption "30s" "A hook still running after this is killed with its process tree.";
    };

    notify = mkOption {
      type = types.attrsOf notifyType;
      default = { };
      example = literalExpression ''
        {
          chat = { url = "https://hooks.slack.com/services/T000/B000/XXXX"; format = "slack"; };
          room = {
            url = "https://matrix.example.org/_matrix/client/v3/rooms/!fleet:example.org/send/m.room.message";
            format = "matrix";
            tokenFile = config.age.secrets.gitops-matrix-token.path;
          };
        }
      '';
      description = ''
        Notification webhooks, told about every success, failure, refusal and
        rollback. Sent from a background thread and retried with doubling
        delays (5 attempts); a receiver that is down never holds up a deployment.
      '';
    };

    drift.selfHeal = mkOption {
      type = types.bool;
      default = false;
      description = ''
        When /run/current-system is not the system the agent activated (someone
        switched by hand), activate the agent's system again. Off: drift is only
        reported (`gitops_drift`, /status, the GitopsDrift alert).
      '';
    };

    poll = {
      interval = durationOption "60s" "Time between two polls of the repository.";
      jitter = durationOption "10s" "Maximum random delay added to each poll, so a fleet does not hit the forge in lockstep.";
      maxBackoff = durationOption "15m" "Upper bound of the growing delay between polls after consecutive failures, and between fetches of the same heads refused again.";
    };

    testing = {
      enable = mkOption {
        type = types.bool;
        default = true;
        description = ''
          Follow a per-host testing branch. While that branch sits on top of
          `repository.branch` (descends from it) and every commit on it
          verifies, the agent activates it with `nixos-rebuild test`: no boot
          entry, so a reboot returns to the last `switch`ed main commit. When
          the main branch moves past it, or it is deleted, the host goes back
          to the main branch.
        '';
      };
      branch = mkOption {
        type = types.nullOr types.str;
        default = null;
        defaultText = literalExpression ''"testing-''${config.services.gitops-agent.host}"'';
        example = "testing-web1";
        description = "Name of the testing branch; null lets the agent use `testing-<host>`.";
      };
    };

    stateDir = mkOption {
      type = types.str;
      default = "/var/lib/gitops-agent";
      description = "Where the agent keeps its bare mirror and deployment ledger.";
    };

    trust = {
      allowedSigners = mkOption {
        type = types.nullOr types.path;
        default = null;
        example = literalExpression "../trust/allowed_signers";
        description = ''
          SSH `allowed_signers` file of keys trusted to sign commits. Copied at
          build time to `/etc/gitops-agent/trust/allowed_signers`: the host only
          ever trusts the keys of the commit it is already running, so a new key
          takes effect one deployment after a trusted key signed its addition.
        '';
      };
      openpgpKeys = mkOption {
        type = types.listOf types.path;
        default = [ ];
        example = literalExpression "[ ../trust/openpgp/alice.asc ]";
        description = "ASCII-armored OpenPGP public keys trusted to sign commits; copied like allowedSigners.";
      };
      rootCommit = mkOption {
        type = types.nullOr (types.strMatching "[0-9a-f]{40}");
        default = null;
        description = ''
          First trusted commit (full SHA-1). Candidates must descend from it, so
          history rewritten before it, or a forged unrelated history, is refused.
        '';
      };

      highWaterMark = mkOption {
        type = types.str;
        default = "/var/lib/gitops-agent-high-water/deployed";
        description = ''
          File holding the last commit deployed from the main branch, written
          atomically after each deployment. It lives outside stateDir on purpose:
          with the state file lost, candidates must still descend from it. Must be
          an absolute path outside stateDir.
        '';
      };

      maxCommitAge = mkOption {
        type = types.nullOr duration;
        default = null;
        example = "14d";
        description = ''
          Raise an alarm (status `stale`, metric `gitops_remote_head_stale`) when
          the branch head was committed longer ago than this: a forge that keeps
          serving an old, validly signed head cannot hide it, because the commit
          date is signed. Pair it with a regular signed commit, e.g. a daily one
          from CI.
        '';
      };

      verify = mkOption {
        type = types.enum [ "all" "first-parent" ];
        default = "all";
        description = ''
          Which commits between the deployed one and the candidate must be signed:
          `all` (every commit the candidate brings in, merged side branches
          included) or `first-parent` (the first-parent chain only; the signer of
          a merge vouches for what it merges).
        '';
      };
      policy = mkOption {
        type = types.enum [ "host" "repository" ];
        default = "host";
        description = ''
          Which keys may sign: `host` (the keys above, for every commit) or
          `repository` (each commit must be signed by a key that its parent's
          `trust/allowed_signers` or `trust/openpgp/*.asc` authorizes, so adding
          or removing a signer takes effect from that commit on; the keys above
          only introduce the first commit when nothing is deployed yet).
        '';
      };
      maxClockSkew = durationOption "5m" ''
        How far a committer date or OpenPGP signature time may lie ahead of the
        host's clock. Dates before the deployed commit's are always refused.
      '';
    };

    deploy = {
      command = mkOption {
        type = types.str;
        default = "nixos-rebuild";
        description = "nixos-rebuild executable (looked up in the service PATH, which includes the system's nixos-rebuild).";
      };
      action = mkOption {
        type = types.enum [ "switch" "boot" "test" "dry-run" ];
        default = "switch";
        description = ''
          How a verified commit is applied: `switch` (activate now and on boot),
          `boot` (next reboot), `test` (now, forgotten on reboot), `dry-run`
          (build only, report what would change).
        '';
      };
      timeout = durationOption "30m" "Upper bound for one build or activation; the process tree is killed after it.";
      systemProfile = mkOption {
        type = types.str;
        default = "/nix/var/nix/profiles/system";
        description = "System profile that receives new generations.";
      };
      currentSystem = mkOption {
        type = types.str;
        default = "/run/current-system";
        description = "Link to the running system, read to learn the deployed revision.";
      };
      historySize = mkOption {
        type = types.ints.between 1 10000;
        default = 50;
        description = "Deployments kept in the state file (shown by `/status`).";
      };
      outputTailLines = mkOption {
        type = types.ints.between 1 10000;
        default = 40;
        description = "Lines of `nixos-rebuild` output kept per deployment.";
      };
      keepGenerations = mkOption {
        type = types.nullOr (types.ints.between 1 10000);
        default = null;
        example = 10;
        description = ''
          After each successful `switch` or `boot`, keep only the last this many
          system generations (`nix-env --delete-generations +N`); null keeps all.
          Store paths are reclaimed by `nix.gc`. A dry-run deletes nothing.
        '';
      };
      windows = mkOption {
        type = types.listOf (types.strMatching "[^;]+ for [^;]+");
        default = [ ];
        example = [ "Sat,Sun 02:00 UTC for 4h" "Wed 22:00 Europe/Berlin for 1h" ];
        description = ''
          Maintenance windows: a verified commit is built at once, and activated
          only while one of these is open. Each is
          `[WEEKDAYS] [*-*-*] HH:MM[:SS] [ZONE] for SPAN`, a subset of systemd's
          calendar syntax (see the README); without a zone, the host's time zone.
          Empty: activate at any time.
        '';
      };
      reboot = {
        activation = mkOption {
          type = types.enum [ "switch" "boot" ];
          default = "switch";
          description = ''
            How a generation whose kernel, kernel modules, initrd or kernel
            parameters differ from /run/booted-system's is activated: `switch`
            (now; the new kernel waits for a reboot) or `boot` (only the boot
            default changes; everything takes effect at the reboot).
          '';
        };
        windows = mkOption {
          type = types.listOf (types.strMatching "[^;]+ for [^;]+");
          default = [ ];
          example = [ "Sun 03:00 UTC for 1h" ];
          description = ''
            Reboot windows, in the syntax of `deploy.windows`: while a reboot is
            pending and one is open, the agent runs `command`, once per boot
            default, unless another wave's slot of a rollout in progress covers
            the moment (then it waits, see the README's "Reboots"). Empty: the
            agent never reboots the host; status and metrics still show
            `reboot pending`.
          '';
        };
        command = mkOption {
          type = types.str;
          default = "systemctl reboot";
          description = "Run with `sh -c` to reboot.";
        };
      };
      cache = {
        substituters = mkOption {
          type = types.listOf (types.strMatching "(https?|file|s3|ssh|ssh-ng)://[^ ,]+");
          default = [ ];
          example = [ "https://cache.example.org" ];
          description = ''
            Cache mode: the agent evaluates the verified commit's toplevel and
            fetches exactly that store path from these binary caches (and no
            other) instead of building it, then activates it by path. Empty:
            off, the host builds with nixos-rebuild.
          '';
        };
        trustedPublicKeys = mkOption {
          type = types.listOf (types.strMatching "[A-Za-z0-9._+-]+:[A-Za-z0-9+/]+={0,2}");
          default = [ ];
          example = [ "ci.example.org-1:AbCdEf...=" ];
          description = ''
            Keys a closure must be signed by (`nix key convert-secret-to-public`).
            Required with `substituters`; a path signed by any other key is never used.
          '';
        };
        maxWait = durationOption "30m" "How long a host waits for CI to push a closure it does not find in the caches.";
        checkInterval = durationOption "1m" "How often a missing closure is looked for again while waiting.";
        onMissing = mkOption {
          type = types.enum [ "build" "refuse" ];
          default = "build";
          description = ''
            What happens to a commit whose closure is still missing after
            `maxWait`: `build` it on the host, or `refuse` it (a failed
            deployment, tried again when the branch moves or on retry).
          '';
        };
      };
    };

    rollout = {
      wave = mkOption {
        type = types.nullOr (types.ints.between 0 1000);
        default = null;
        example = 1;
        description = ''
          This host's wave (0 activates first). Wave k activates a commit
          k × `soak` after the commit's signed committer date. Null: derived
          from a hash of the host name over `waves`.
        '';
      };
      waves = mkOption {
        type = types.ints.between 1 1000;
        default = 1;
        description = ''
          How many waves host names are spread over when `wave` is not set.
          Also the fleet's number of waves for reboots (a reboot never falls into
          another wave's slot of a rollout): set it on every host, also where
          `wave` is set.
        '';
      };
      soak = durationOption "1h" "Time each wave waits after the one before it.";
      forgeGate = {
        minSuccesses = mkOption {
          type = types.nullOr (types.ints.between 1 10000);
          default = null;
          example = 2;
          description = ''
            Forge gate: after its soak time, a host of wave k > 0 also waits until
            the forge (`forge.*`, whose token is used to read) shows at least this
            many success statuses on the commit from agents of earlier waves, and
            none of them failing. Null: no gate.
          '';
        };
        checkInterval = durationOption "1m" "How often the forge is asked again while the gate holds a commit.";
      };
    };

    health = {
      enable = mkOption {
        type = types.bool;
        default = true;
        description = ''
          Check the new system right after a `switch` or `test` activation
          (not after `boot` or `dry-run`). If the checks do not all pass within
          `deadline`, the agent switches back to the previous system and marks
          the commit failed; it is not tried again until the branch moves or
          `gitops-agent retry` is run.
        '';
      };
      deadline = durationOption "2m" "Time the new system has to pass every check; failing checks are retried until then.";
      retryInterval = durationOption "3s" "Pause between two rounds of checks.";
      remoteReachable = mkOption {
        type = types.bool;
        default = true;
        description = "The Git remote must still be reachable from the new system (network, DNS, firewall). Without this a broken network would also cut the host off from the fix.";
      };
      noFailedUnits = mkOption {
        type = types.bool;
        default = true;
        description = "`systemctl --failed` must list no unit.";
      };
      units = mkOption {
        type = types.listOf types.str;
        default = [ ];
        example = [ "nginx.service" "postgresql.service" ];
        description = "Units that must be active.";
      };
      httpProbes = mkOption {
        type = types.listOf (types.strMatching "https?://.+");
        default = [ ];
        example = [ "http://127.0.0.1/healthz" ];
        description = "URLs that must answer with a 2xx status. Requested by the agent itself, from the host.";
      };
      commands = mkOption {
        type = types.listOf types.str;
        default = [ ];
        example = literalExpression ''[ "''${pkgs.postgresql}/bin/pg_isready -q" ]'';
        description = ''
          Shell commands (`sh -c`) that must exit with 0. They run inside the
          agent's sandbox (read-only file system, see systemd/README.md) with
          the service's PATH (nix, git, systemd, coreutils): call anything else
          by its store path, as in the example.
        '';
      };
      systemctl = mkOption {
        type = types.str;
        default = "systemctl";
        description = "systemctl executable used by `noFailedUnits` and `units` (the service PATH provides it).";
      };
    };

    http = {
      host = mkOption {
        type = types.str;
        default = "127.0.0.1";
        description = "Address of the status/metrics/control HTTP server. Keep it on loopback; expose it through an authenticating reverse proxy if needed.";
      };
      port = mkOption {
        type = types.port;
        default = 9420;
        description = "Port of the HTTP server.";
      };
    };

    metrics = {
      allowFrom = mkOption {
        type = types.listOf (types.strMatching "[0-9a-fA-F.:]+(/[0-9]+)?");
        default = [ ];
        example = [ "10.0.0.5" "fd00::5" ];
        description = ''
          Addresses (or CIDR ranges) of the Prometheus servers that scrape this
          agent's `/q/metrics` (config-repo-template/monitoring/prometheus.yml).
          Empty, the default: the agent listens on loopback only and nothing is
          opened. Otherwise the agent listens on `metrics.listenAddress` and the
          firewall accepts its port from these addresses only. They reach the
          agent's whole HTTP server: the read-only `/status`, status page and
          metrics, while `/control` and `/webhook` still need their token or
          signature.
        '';
      };
      listenAddress = mkOption {
        type = types.str;
        default = "0.0.0.0";
        example = "10.0.0.12";
        description = "Address the agent listens on when `metrics.allowFrom` is set, e.g. this host's address on the monitoring network.";
      };
    };

    statusPage = {
      commitUrl = mkOption {
        type = types.nullOr (types.strMatching "https?://[^[:space:]\"'<>`]*[{]commit[}][^[:space:]\"'<>`]*");
        default = null;
        example = "https://github.com/example/fleet/commit/{commit}";
        description = "Link for a commit on the status page (`GET /`), `{commit}` standing for the full id. Null: commits are not linked.";
      };
      refreshSeconds = mkOption {
        type = types.ints.between 1 3600;
        default = 10;
        description = "Seconds between two reloads of the status page by the browser.";
      };
    };

    # All four of type, apiUrl, repository and tokenFile, or none: the agent posts
    # commit statuses only when the forge is fully described.
    forge = {
      type = mkOption {
        type = types.nullOr (types.enum [ "github" "gitea" "gitlab" ]);
        default = null;
        description = "Commit-status API to post each decision to (Forgejo speaks `gitea`).";
      };
      apiUrl = mkOption {
        type = types.nullOr types.str;
        default = null;
        example = "https://api.github.com";
        description = "API base URL: https://api.github.com, https://<gitea>/api/v1 or https://<gitlab>/api/v4.";
      };
      repository = mkOption {
        type = types.nullOr types.str;
        default = null;
        example = "example/fleet";
        description = "owner/name (GitHub, Gitea, Forgejo) or the project path or id (GitLab).";
      };
      tokenFile = secretPath "File holding a token allowed to write commit statuses.";
      targetUrl = mkOption {
        type = types.nullOr types.str;
        default = null;
        description = "Link attached to each status.";
      };
    };

    control.tokenFile = secretPath ''
      File holding the bearer token for `POST /control/*` (the CLI's trigger,
      suspend, resume, retry, rollback). It must be readable by its owner only
      (mode 0600 or 0400) or the agent refuses to start. Without it every
      control call is refused.
    '';

    webhook = {
      secretFile = secretPath ''
        File holding the shared secret for `POST /webhook` (HMAC key for
        GitHub, Gitea/Forgejo and the generic `X-Signature-256`; the token for
        GitLab's `X-Gitlab-Token`). Owner-only, like `control.tokenFile`.
        Without it webhooks are refused.
      '';
      minInterval = durationOption "2s" "Webhooks closer together than this collapse into one poll.";
      maxBodyBytes = mkOption {
        type = types.ints.between 1 2147483647;
        default = 1048576;
        description = "Largest webhook body accepted, in bytes.";
      };
    };

    settings = mkOption {
      type = types.attrsOf (types.oneOf [ types.str types.int types.bool types.path ]);
      default = { };
      example = { "quarkus.log.level" = "DEBUG"; };
      description = ''
        Extra entries for agent.properties, applied after (and overriding) the
        typed options. Any Quarkus or gitops.* key is accepted. A Nix path value
        (`./file`) is copied into the Nix store and the entry names that copy, so
        the file is part of the system closure; never give a secret that way.
      '';
    };
  };

  config = mkIf cfg.enable {
    assertions = [
      {
        assertion = cfg.trust.allowedSigners != null || cfg.trust.openpgpKeys != [ ];
        message = "services.gitops-agent: set trust.allowedSigners or trust.openpgpKeys; an agent without trust anchors would refuse every commit.";
      }
      {
        assertion = cfg.metrics.allowFrom == [ ] || config.networking.firewall.enable;
        message = "services.gitops-agent.metrics.allowFrom needs networking.firewall.enable: without the firewall the agent's port would be open to every address.";
      }
      {
        assertion = config.system.configurationRevision != null;
        message = "services.gitops-agent: set services.gitops-agent.revision (the flake passes self.rev) so the agent can read back the running commit.";
      }
    ] ++ map
      (name: {
        assertion = !(isStorePath (lib.attrByPath (lib.splitString "." name) null cfg));
        message = "services.gitops-agent.${name} points into the Nix store: secrets must live outside it (use agenix or sops-nix).";
      })
      [ "repository.tokenFile" "repository.sshKeyFile" "control.tokenFile" "webhook.secretFile" "forge.tokenFile" ]
    ++ lib.concatLists (lib.imap1
      (i: m: lib.optionals (!builtins.isString m) (map
        (name: {
          assertion = !(isStorePath m.${name});
          message = "services.gitops-agent.repository.mirrors entry ${toString i}: ${name} points into the Nix store: secrets must live outside it (use agenix or sops-nix).";
        })
        [ "tokenFile" "sshKeyFile" ]))
      cfg.repository.mirrors);

    system.configurationRevision = mkIf (cfg.revision != null) cfg.revision;

    # Only the configured Prometheus servers reach the agent's port (metrics.allowFrom).
    networking.firewall.extraCommands = mkIf (cfg.metrics.allowFrom != [ ] && !config.networking.nftables.enable) iptablesRules;
    networking.firewall.extraInputRules = mkIf (cfg.metrics.allowFrom != [ ] && config.networking.nftables.enable) nftablesRules;

    environment.etc = {
      "gitops-agent/agent.properties".source = configFile;
    } // trustFiles // lib.optionalAttrs (cfg.repository.knownHostsFile != null) {
      # Public data, read by the agent at every SSH fetch: in /etc (and the closure) like the trust anchors.
      "gitops-agent/known_hosts".source = cfg.repository.knownHostsFile;
    } // lib.optionalAttrs (config.system.configurationRevision != null) {
      "gitops-agent/revision".text = config.system.configurationRevision;
    };

    # The CLI (`gitops-agent status`, `rollback`, ...) talks to the local agent.
    environment.systemPackages = [ cfg.package ];

    systemd.services.gitops-agent = {
      description = "gitops-agent: pull, verify and deploy signed NixOS configurations";
      wantedBy = [ "multi-user.target" ];
      wants = [ "network-online.target" "nix-daemon.socket" ];
      after = [ "network-online.target" "nix-daemon.socket" ];

      # nixos-rebuild needs nix, git (flake fetcher) and systemd-run (activation
      # hand-off) on its PATH; the health checks need systemctl and `sh` (from
      # bash: /bin is not on a NixOS service's PATH) for health.commands.
      path = [ config.system.build.nixos-rebuild config.nix.package pkgs.git config.systemd.package pkgs.bash ];

      environment = {
        QUARKUS_CONFIG_LOCATIONS = "/etc/gitops-agent/agent.properties";
        # Builds go to nix-daemon, outside this sandbox.
        NIX_REMOTE = "daemon";
        HOME = cfg.stateDir;
        XDG_CACHE_HOME = "/var/cache/gitops-agent";
        # JGit writes XDG_CONFIG_HOME/jgit/config and takes its home from /etc/passwd, not HOME.
        XDG_CONFIG_HOME = "${cfg.stateDir}/.config";
      };

      # Like nixos-upgrade.service: switch-to-configuration must not stop the
      # agent while the agent is the one waiting for that switch (its
      # `systemd-run --pipe` client would die and take the activation's output
      # pipe with it). Instead, once a deployment has finished, the agent checks
      # whether its configuration file, its trust files or its executable
      # changed and, if so, exits with status 75; RestartForceExitStatus below
      # makes systemd start it again, with the new unit, package and
      # configuration. restartTriggers keeps the unit marked as changed.
      restartIfChanged = false;
      restartTriggers = [ configFile ];

      startLimitIntervalSec = 0;

      serviceConfig = {
        Type = "exec";
        ExecStart = "${cfg.package}/bin/gitops-agent";
        WorkingDirectory = cfg.stateDir;

        Restart = "on-failure";
        # 75 (EX_TEMPFAIL): "my configuration changed, start me again".
        RestartForceExitStatus = 75;
        RestartSec = "10s";
        RestartSteps = 8;
        RestartMaxDelaySec = "15min";
        TimeoutStopSec = "90s";
        KillMode = "mixed";

        StateDirectory = [ "gitops-agent" "gitops-agent-high-water" ];
        StateDirectoryMode = "0700";
        CacheDirectory = "gitops-agent";
        CacheDirectoryMode = "0700";
        ConfigurationDirectory = "gitops-agent";
        UMask = "0077";

        # Hardening: identical to systemd/gitops-agent.service (with its JVM
        # variant when passthru.jvm is set); the reasons for each line, and for
        # what is missing, are in systemd/README.md.
        User = "root";
        NoNewPrivileges = true;
        CapabilityBoundingSet = "~" + lib.concatStringsSep " " [
          "CAP_SYS_BOOT" "CAP_SYS_TTY_CONFIG" "CAP_SYS_PACCT" "CAP_SYS_PTRACE" "CAP_SYS_RAWIO"
          "CAP_SYS_MODULE" "CAP_SYS_TIME" "CAP_WAKE_ALARM" "CAP_LINUX_IMMUTABLE" "CAP_IPC_LOCK"
          "CAP_BPF" "CAP_PERFMON" "CAP_BLOCK_SUSPEND" "CAP_LEASE" "CAP_MAC_ADMIN" "CAP_MAC_OVERRIDE"
          "CAP_AUDIT_CONTROL" "CAP_AUDIT_READ" "CAP_AUDIT_WRITE" "CAP_NET_ADMIN" "CAP_NET_RAW"
          "CAP_NET_BROADCAST" "CAP_NET_BIND_SERVICE" "CAP_SYSLOG" "CAP_MKNOD" "CAP_SYS_CHROOT" "CAP_KILL"
        ];
        ProtectSystem = "strict";
        # The high-water mark's directory is created as a second state directory when it is the default one.
        ReadWritePaths = lib.unique [ (dirOf cfg.deploy.systemProfile) "/nix/var/nix/gcroots" cfg.stateDir ("-" + dirOf cfg.trust.highWaterMark) ];
        ProtectHome = true;
        PrivateTmp = true;
        PrivateMounts = true;
        PrivateDevices = true;
        ProtectKernelTunables = true;
        ProtectKernelModules = true;
        ProtectKernelLogs = true;
        ProtectControlGroups = true;
        ProtectClock = true;
        ProtectProc = "invisible";
        RestrictNamespaces = true;
        RestrictRealtime = true;
        RestrictSUIDSGID = true;
        LockPersonality = true;
        # A JVM's JIT (and its interpreter's generated code) needs writable+executable pages.
        MemoryDenyWriteExecute = !(cfg.package.passthru.jvm or false);
        RemoveIPC = true;
        RestrictAddressFamilies = [ "AF_UNIX" "AF_INET" "AF_INET6" "AF_NETLINK" ];
        SystemCallArchitectures = "native";
        SystemCallFilter = [ "@system-service" ];
        SystemCallErrorNumber = "EPERM";
      };
    };
  };
}
