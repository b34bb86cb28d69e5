package dev.gitopsagent.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.gitopsagent.deploy.Action;
import dev.gitopsagent.verify.SignerPolicy;
import dev.gitopsagent.verify.VerifyScope;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithConverter;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;

/**
 * Everything the agent reads, under the prefix {@code gitops}. Values come from
 * {@code application.properties}, the file named by {@code QUARKUS_CONFIG_LOCATIONS}, system
 * properties or environment variables ({@code GITOPS_REPOSITORY_URL}). The rules on single values
 * (ranges, patterns) are in {@link ConfigRules}, those across keys or on files in {@link StartupChecks};
 * both stop startup naming the key.
 */
@ConfigMapping(prefix = "gitops")
public interface AgentConfig {

    Repository repository();

    /**
     * Name of this machine in the flake: the agent deploys {@code nixosConfigurations.<host>}.
     * Defaults to the machine's host name.
     */
    Optional<String> host();

    Poll poll();

    Testing testing();

    /** Where the agent keeps its bare clone and its state file. */
    @WithDefault("/var/lib/gitops-agent")
    Path stateDir();

    Trust trust();

    Deploy deploy();

    Rollout rollout();

    Drift drift();

    Hooks hooks();

    /** Notification webhooks by name: {@code gitops.notify.<name>.url}, {@code .format}, {@code .token-file}. */
    @WithName("notify")
    Map<String, Notification> notifications();

    Http http();

    Health health();

    Control control();

    /** Where to post each host's result as a commit status; absent: nothing is posted. */
    Optional<Forge> forge();

    Webhook webhook();

    StatusPage statusPage();

    interface Repository extends Credentials {
        /**
         * https://, http://, ssh://, scp-like user@host:path, file:// or an absolute path. Optional here
         * only so that its absence is reported as {@code invalid configuration: gitops.repository.url ...}
         * by {@code Remote.configured}, like every other configuration problem.
         */
        Optional<String> url();

        /** Fallback remotes, tried in order when the ones before fail. Same checks apply to every remote. */
        Optional<List<String>> mirrors();

        /**
         * Credentials of the mirrors, by position in {@link #mirrors()} ({@code gitops.repository.mirror.1.token-file}
         * for the first). The keys of this group itself ({@code gitops.repository.token-file}, ...) are the
         * primary remote's only: a mirror is sent nothing it was not given here.
         */
        @WithName("mirror")
        Map<String, Credentials> mirrorCredentials();

        @WithDefault("main")
        String branch();

        /** Network timeout for one remote operation. */
        @WithDefault("60s")
        Duration timeout();

        Fetch fetch();

        /**
         * How much history a new host's first sync fetches when nothing older than the head must be
         * verified: {@code shallow} the head alone, {@code full} everything, {@code auto} the head alone
         * when the host's Nix can build from a shallow clone (2.26 and later).
         */
        @WithDefault("auto")
        FirstSync firstSync();
    }

    /** See {@link Repository#firstSync()}. */
    enum FirstSync {
        AUTO, SHALLOW, FULL
    }

    /**
     * How much one fetch may bring in; more is refused with the key named, and nothing of it kept. A
     * 50,000-commit configuration repository (250,000 objects, a 44 MiB pack) fits the defaults about
     * ten and four times over.
     */
    interface Fetch {
        /** Pack bytes one fetch may receive (the first fetch receives the whole history). */
        @WithDefault("536870912")
        long maxBytes();

        /** Objects one fetch may receive. */
        @WithDefault("1000000")
        long maxObjects();

        /**
         * The size of an object a fetch's parser must hold whole: a commit, tree or tag, a delta, what a
         * delta makes, a blob deltas are built on, in the pack or in the clone (a whole blob with no delta on it
         * streams and is bounded by {@link #maxBytes()} alone). A few hundred bytes of a pack can make an
         * object of any size, so without it a hostile remote could exhaust the heap. 8 MiB: resolving a
         * delta holds its base and its result, 16 MiB at the limit, which a 64 MiB heap holds beside the
         * tables of a 250,000-object pack; at 12 and 16 MiB it did not (measured with the child JVM of
         * FirstPackParserSmallHeapTest). A repository with a blob bigger than this that git stores as a delta, or as the
         * base of one, needs it raised, and the heap with it.
         */
        @WithDefault("8388608")
        long maxObjectBytes();
    }

    /** What one remote is sent: an HTTPS token (never over http://) or an SSH key checked against a pinned host key. */
    interface Credentials {
        /** User name sent with the HTTPS token. */
        @WithDefault("git")
        String username();

        /** File holding the HTTPS access token (sent as the password); owner-only. */
        Optional<Path> tokenFile();

        /** Private key for an SSH remote; owner-only. */
        Optional<Path> sshKeyFile();

        /** known_hosts for an SSH remote; the agent never trusts an unknown host key. */
        Optional<Path> knownHostsFile();
    }

    /**
     * A per-host testing branch: while it sits on top of the main branch and verifies, it is
     * activated with {@code nixos-rebuild test} (bootloader untouched, a reboot returns to main).
     */
    interface Testing {
        @WithDefault("true")
        boolean enabled();

        /** Defaults to {@code testing-<host>}. */
        Optional<String> branch();
    }

    interface Poll {
        @WithDefault("60s")
        Duration interval();

        /** Upper bound of the random delay added to every interval, so a fleet does not poll in lockstep. */
        @WithDefault("10s")
        Duration jitter();

        /** Upper bound of the back-off after consecutive failures. */
        @WithDefault("15m")
        Duration maxBackoff();
    }

    interface Trust {
        /** ASCII-armored (or binary) OpenPGP public key files. Only these keys are trusted. */
        Optional<List<Path>> openpgpKeys();

        /** An SSH allowed_signers file (see ssh-keygen(1)). Only these keys are trusted. */
        Optional<Path> allowedSigners();

        /**
         * The first commit to trust when the host has never deployed: candidates must descend from it,
         * and every commit after it is verified.
         */
        Optional<String> rootCommit();

        /**
         * The last commit deployed from the main branch, kept outside the state directory: with the
         * state file lost, candidates must still descend from it. Its directory must be writable by
         * the agent (the systemd unit and the NixOS module create it as a state directory).
         */
        @WithDefault("/var/lib/gitops-agent-high-water/deployed")
        Path highWaterMark();

        /**
         * Alarm (status and metric) when the branch head was committed longer ago than this: a forge
         * that keeps serving an old, validly signed head (a freeze) cannot hide it, because the commit
         * date is part of what is signed. Needs a regular signed commit, e.g. a daily one from CI.
         */
        Optional<Duration> maxCommitAge();

        /**
         * Which commits are verified: {@code all} (every commit reachable from the candidate and not
         * from the deployed one, second parents of merges included) or {@code first-parent} (the
         * first-parent chain; a merge's signer vouches for what it brings in).
         */
        @WithDefault("all")
        VerifyScope verify();

        /**
         * Which keys may sign: {@code host} (openpgp-keys and allowed-signers, for every commit) or
         * {@code repository} (the signer policy in {@code trust/} of each commit's parent; the host's
         * keys only introduce it when there is no deployed commit and no root commit).
         */
        @WithDefault("host")
        SignerPolicy policy();

        /** How far a committer date or signature time may lie ahead of this host's clock. */
        @WithDefault("5m")
        Duration maxClockSkew();
    }

    interface Deploy {
        /** The nixos-rebuild executable; a bare name is looked up on PATH. */
        @WithDefault("nixos-rebuild")
        String command();

        @WithDefault("switch")
        Action action();

        /** A build or activation still running after this is killed, with its whole process tree. */
        @WithDefault("30m")
        Duration timeout();

        @WithDefault("/nix/var/nix/profiles/system")
        Path systemProfile();

        @WithDefault("/run/current-system")
        Path currentSystem();

        /** Deployments kept in the state file. */
        @WithDefault("50")
        int historySize();

        /** Lines of nixos-rebuild output kept per deployment. */
        @WithDefault("40")
        int outputTailLines();

        /**
         * After a deployment that makes a new generation ({@code switch}, {@code boot}), keep only the
         * last this many system generations ({@code nix-env --delete-generations +N}). Absent: keep all.
         */
        Optional<Integer> keepGenerations();

        /**
         * Maintenance windows, separated by {@code ;}: builds happen at once, activation waits until
         * one is open. Each is {@code [WEEKDAYS] [*-*-*] HH:MM[:SS] [ZONE] for SPAN}, a subset of
         * systemd's calendar syntax (the README lists it). Absent: activate at any time.
         */
        Optional<String> windows();

        /** Cache mode: activate the closure CI pushed to a binary cache instead of building on the host. */
        Cache cache();

        /** What happens when a new generation needs a reboot (kernel, initrd or kernel parameters changed). */
        Reboot reboot();
    }

    /**
     * A generation whose kernel, kernel modules, initrd or kernel parameters differ from the booted
     * system's only takes full effect after a reboot. This says how it is activated and when the agent
     * reboots into it.
     */
    interface Reboot {
        /** {@code switch}: activate it now, the new kernel waits for a reboot; {@code boot}: only make it the boot default. */
        @WithDefault("switch")
        RebootActivation activation();

        /**
         * Reboot windows, in the syntax of {@code gitops.deploy.windows}: while a reboot is pending and one
         * is open, the agent runs {@code command}. Absent: the agent never reboots the host itself.
         */
        Optional<String> windows();

        /** Run with {@code sh -c} to reboot. */
        @WithDefault("systemctl reboot")
        String command();

        /** The system the host booted, compared with the new generation. */
        @WithDefault("/run/booted-system")
        Path bootedSystem();
    }

    /** How a generation that needs a reboot is activated. */
    enum RebootActivation {
        SWITCH, BOOT
    }

    /**
     * Cache mode, on when {@code substituters} is set: the agent evaluates the verified commit's
     * toplevel, realises it from these caches only, accepting only paths signed by one of
     * {@code trusted-public-keys}, and activates that store path. While the closure is missing it
     * waits up to {@code max-wait}, then follows {@code on-missing}.
     */
    interface Cache {
        /** Binary cache URLs, e.g. {@code https://cache.example.org}; they replace the host's substituters for this realisation. */
        Optional<List<String>> substituters();

        /** The keys a closure must be signed by ({@code name:base64}, as {@code nix key convert-secret-to-public} prints). */
        Optional<List<String>> trustedPublicKeys();

        /** How long the host waits for CI to push a closure it does not find. */
        @WithDefault("30m")
        Duration maxWait();

        /** How often a missing closure is looked for again while waiting. */
        @WithDefault("1m")
        Duration checkInterval();

        /** After the wait: {@code build} it on the host, or {@code refuse} the commit. */
        @WithDefault("build")
        CacheMiss onMissing();

        /** The nix executable; a bare name is looked up on PATH. */
        @WithDefault("nix")
        String nixCommand();
    }

    /** What cache mode does with a closure that did not reach the cache in time. */
    enum CacheMiss {
        BUILD, REFUSE
    }

    /**
     * Waves without a coordinator: wave k activates a commit k soak times after its signed committer
     * date, so every host computes the same schedule from the commit alone.
     */
    interface Rollout {
        /** This host's wave (0 is first). Absent: derived from a hash of the host name over {@code waves}. */
        Optional<Integer> wave();

        /** How many waves the host name is spread over when {@code wave} is not set. */
        @WithDefault("1")
        int waves();

        /** The time each wave waits after the one before it. */
        @WithDefault("1h")
        Duration soak();

        ForgeGate forgeGate();
    }

    /**
     * Optional: after its soak time, a host of wave k > 0 also waits until the forge ({@code gitops.forge})
     * shows at least {@code min-successes} success statuses on the commit from hosts of earlier waves,
     * and none failing.
     */
    interface ForgeGate {
        /** Absent: no forge gate. */
        Optional<Integer> minSuccesses();

        /** How often the forge is asked again while the gate holds. */
        @WithDefault("1m")
        Duration checkInterval();
    }

    /**
     * Commands ({@code sh -c}) run after a success, failure, refusal or rollback, with the event in
     * their environment ({@code GITOPS_EVENT}, {@code GITOPS_HOST}, {@code GITOPS_COMMIT},
     * {@code GITOPS_ACTION}, {@code GITOPS_REASON}), on a background thread: they never delay or change
     * a deployment.
     */
    interface Hooks {
        Optional<String> onSuccess();

        Optional<String> onFailure();

        Optional<String> onRefusal();

        Optional<String> onRollback();

        /** A hook still running after this is killed with its process tree. */
        @WithDefault("30s")
        Duration timeout();
    }

    /** One notification webhook. */
    interface Notification {
        String url();

        /** {@code json} (generic), {@code slack} (incoming webhook) or {@code matrix} (a room's send URL). */
        @WithDefault("json")
        NotificationFormat format();

        /** Sent as a bearer token (a Matrix access token); owner-only file, https:// URLs only. */
        Optional<Path> tokenFile();
    }

    enum NotificationFormat {
        JSON, SLACK, MATRIX
    }

    /** Drift: the running system is not the one the agent activated (someone ran nixos-rebuild by hand). */
    interface Drift {
        /** Activate the agent's system again when the running one drifted from it. Off: only report it. */
        @WithDefault("false")
        boolean selfHeal();
    }

    /**
     * Checks run right after a switch or test activation. If they do not all pass within the deadline,
     * the agent switches back to the previous system and marks the commit bad.
     */
    interface Health {
        @WithDefault("true")
        boolean enabled();

        /** Time the new system has to pass every check, retried until then. */
        @WithDefault("2m")
        Duration deadline();

        @WithDefault("3s")
        Duration retryInterval();

        /** The Git remote must still be reachable from the new system (network, DNS, firewall). */
        @WithDefault("true")
        boolean remoteReachable();

        /** {@code systemctl --failed} must list no unit. */
        @WithDefault("true")
        boolean noFailedUnits();

        /** These units must be active. */
        Optional<List<String>> units();

        /** These URLs must answer with a 2xx status. */
        Optional<List<String>> httpProbes();

        /** These shell commands ({@code sh -c}) must exit with 0. */
        Optional<List<String>> commands();

        @WithDefault("systemctl")
        String systemctl();
    }

    interface Http {
        /** Address the status and control API binds to. */
        @WithDefault("127.0.0.1")
        String host();

        @WithDefault("9420")
        @WithConverter(TcpPort.class)
        int port();
    }

    /**
     * The forge's commit-status API. The result of every decision on a commit (deployed, failed,
     * refused) is posted on that commit under the context {@code gitops-agent/<host>}.
     */
    interface Forge {
        ForgeType type();

        /** e.g. https://api.github.com, https://gitea.example.org/api/v1, https://gitlab.example.org/api/v4 */
        String apiUrl();

        /** owner/name (GitHub, Gitea, Forgejo) or the project's path or numeric id (GitLab). */
        String repository();

        /** A token allowed to write commit statuses; owner-only file. */
        Path tokenFile();

        /** Linked from the status, e.g. this host's status page. */
        Optional<String> targetUrl();
    }

    /** Which commit-status API the forge speaks; Forgejo speaks Gitea's. */
    enum ForgeType {
        GITHUB, GITEA, GITLAB
    }

    /** The HTML status page at {@code GET /}. */
    interface StatusPage {
        /**
         * Where a commit is shown on the forge, with {@code {commit}} standing for the full commit id,
         * e.g. {@code https://github.com/example/fleet/commit/{commit}}. Absent: commits are not linked.
         */
        Optional<String> commitUrl();

        /** Seconds between two reloads of the page by the browser. */
        @WithDefault("10")
        int refreshSeconds();
    }

    interface Control {
        /** Bearer token for the mutating endpoints; without it they stay disabled (every call gets 401). */
        Optional<Path> tokenFile();
    }

    interface Webhook {
        /** Shared secret for POST /webhook; without it webhooks are refused. */
        Optional<Path> secretFile();

        /** Webhooks closer together than this collapse into one reconcile. */
        @WithDefault("2s")
        Duration minInterval();

        /** Largest request body accepted. */
        @WithDefault("1048576")
        @WithName("max-body-bytes")
        int maxBodyBytes();
    }
}
