package dev.gitopsagent.testing;

/**
 * Writes the fleet that real Nix builds (src/test/resources/real-host/flake): a flake without
 * nixpkgs whose {@code nixosConfigurations.<host>.config.system.build.toplevel} is a plain
 * derivation, built offline, whose {@code switch-to-configuration} installs, starts and stops the
 * systemd units a commit defines in {@code hosts/<host>/units/}. Its {@code etc/gitops-agent/revision}
 * is the commit it was built from.
 */
public final class SystemFlake {

    private static final String RESOURCES = "/real-host/flake/";

    private SystemFlake() {
    }

    /** The flake's fixed files plus one host running {@code hello.service}. */
    public static void write(WorkRepo repo, String host) {
        for (String file : new String[] { "flake.nix", "build-system.sh", "switch-to-configuration" }) {
            repo.writeFile(file, TestResources.text(RESOURCES + file));
        }
        unit(repo, host, "hello.service", "sleep infinity");
    }

    /** A long-running service unit (Type=exec) running {@code sh -c <script>}. */
    public static void unit(WorkRepo repo, String host, String name, String script) {
        repo.writeFile(unitPath(host, name), """
                [Unit]
                Description=test unit %s

                [Service]
                Type=exec
                ExecStart=/bin/sh -c '%s'

                [Install]
                WantedBy=multi-user.target
                """.formatted(name, script));
    }

    /** A unit that starts, then exits with status 3 a second later: {@code systemctl --failed} lists it. */
    public static void failingUnit(WorkRepo repo, String host, String name) {
        unit(repo, host, name, "sleep 1; exit 3");
    }

    public static void removeUnit(WorkRepo repo, String host, String name) {
        repo.deleteFile(unitPath(host, name));
    }

    /** The agent's trust files, installed by activation into /etc/gitops-agent/trust/. */
    public static void trustFile(WorkRepo repo, String host, String name, String content) {
        repo.writeFile("hosts/" + host + "/trust/" + name, content);
    }

    /** The system's {@code kernel-params}: a system whose parameters differ from the booted one's needs a reboot. */
    public static void kernelParams(WorkRepo repo, String host, String parameters) {
        repo.writeFile("hosts/" + host + "/kernel-params", parameters + "\n");
    }

    /** Makes the build of this host take the given number of seconds. */
    public static void slowBuild(WorkRepo repo, String host, int seconds) {
        repo.writeFile("hosts/" + host + "/build-seconds", seconds + "\n");
    }

    public static void fastBuild(WorkRepo repo, String host) {
        repo.deleteFile("hosts/" + host + "/build-seconds");
    }

    /** The attribute nixos-rebuild builds for a host. */
    public static String toplevel(String host) {
        return "nixosConfigurations.\"" + host + "\".config.system.build.toplevel";
    }

    private static String unitPath(String host, String name) {
        return "hosts/" + host + "/units/" + name;
    }

}
