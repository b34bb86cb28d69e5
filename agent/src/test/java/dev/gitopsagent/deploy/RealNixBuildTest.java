package dev.gitopsagent.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.gitopsagent.TestAgent;
import dev.gitopsagent.git.FetchBounds;
import dev.gitopsagent.git.LocalMirror;
import dev.gitopsagent.git.Remote;
import dev.gitopsagent.git.RemoteAccess;
import dev.gitopsagent.testing.CommandLine;
import dev.gitopsagent.testing.Fleet;
import dev.gitopsagent.testing.ProcessResult;
import dev.gitopsagent.testing.SystemFlake;

/**
 * The agent's clone and flake reference with this machine's real Nix (Debian 12's nix-bin, Nix
 * 2.8, the oldest Nix supported): the exact commit is built, whichever branch it is on, and Nix
 * prints no warning. Nix 2.26 gets the same check on the booted host (RealHostIT).
 */
class RealNixBuildTest {

    @TempDir
    Path root;
    private Fleet fleet;
    private RemoteAccess access;
    private LocalMirror mirror;

    @BeforeEach
    void setUp() throws Exception {
        fleet = Fleet.create(root.resolve("fleet"));
        SystemFlake.write(fleet.work(), Fleet.HOST);
        Map<String, String> properties = new HashMap<>(fleet.agentProperties());
        var config = TestAgent.configFrom(properties);
        Path state = Files.createDirectories(root.resolve("state"));
        access = RemoteAccess.from(config.repository(), state);
        mirror = LocalMirror.open(state.resolve("repo.git"), "main", access, FetchBounds.configured(config.repository()), () -> false);
    }

    @AfterEach
    void tearDown() {
        mirror.close();
        access.close();
        fleet.close();
    }

    @Test
    void buildsTheBranchHeadTheAncestorARollbackNamesAndTheTestingBranchHead() {
        String older = fleet.pushUnsigned("first system");
        SystemFlake.unit(fleet.work(), Fleet.HOST, "second.service", "sleep infinity");
        String head = fleet.pushUnsigned("second system");
        fleet.work().checkoutNewBranch("testing-web1");
        SystemFlake.unit(fleet.work(), Fleet.HOST, "trial.service", "sleep infinity");
        String testing = fleet.work().commitUnsigned("on trial");
        fleet.work().pushTo(fleet.remote(), "testing-web1");
        fetch("main", "testing-web1");

        for (List<String> branchAndCommit : List.of(List.of("main", head), List.of("main", older), List.of("testing-web1", testing))) {
            FlakeRef flake = new FlakeRef(mirror.directory(), branchAndCommit.get(0), branchAndCommit.get(1), Fleet.HOST, false);

            ProcessResult build = nixBuild(flake);

            assertThat(build.succeeded()).as("%s\n%s", flake, build.stderr()).isTrue();
            assertThat(build.stderr()).as(flake.toString()).doesNotContainIgnoringCase("warning");
            Path system = outPath(build);
            assertThat(system.resolve("etc/gitops-agent/revision")).as(flake.toString()).hasContent(branchAndCommit.get(1));
        }
    }

    @Test
    void aCommitThatIsOnNoBranchOfTheCloneIsNotBuilt() {
        String pushed = fleet.pushUnsigned("first system");
        fetch("main");
        String unfetched = fleet.work().commitUnsigned("never pushed");

        ProcessResult build = nixBuild(new FlakeRef(mirror.directory(), "main", unfetched, Fleet.HOST, false));

        assertThat(build.succeeded()).as("built %s although the clone only has %s", unfetched, pushed).isFalse();
    }

    /** {@code nix build --json} (Nix 2.8 has no --print-out-paths): {@code [{"outputs": {"out": PATH}}]}. */
    private static Path outPath(ProcessResult build) {
        try {
            return Path.of(new com.fasterxml.jackson.databind.ObjectMapper().readTree(build.stdout()).path(0).path("outputs").path("out").asText());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private void fetch(String... branches) {
        try {
            Remote origin = Remote.parse("origin", fleet.server().url(Fleet.REPO).toString(), "gitops.repository.url");
            mirror.fetch(origin, mirror.remoteHeads(origin, List.of(branches)), Optional.empty());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** {@code nix build} as nixos-rebuild runs it, offline: no substituter, builds unsandboxed (builder /bin/sh). */
    private ProcessResult nixBuild(FlakeRef flake) {
        return CommandLine.of("nix", "--extra-experimental-features", "nix-command flakes",
                "--option", "substituters", "", "--option", "sandbox", "false", "--option", "build-users-group", "",
                "build", "--no-link", "--print-build-logs", "--json", flake.url() + "#" + SystemFlake.toplevel(flake.host()))
                .env("HOME", root.resolve("home").toString()).env("XDG_CACHE_HOME", root.resolve("cache").toString())
                .env("GIT_CONFIG_GLOBAL", "/dev/null").env("GIT_CONFIG_NOSYSTEM", "1")
                .run();
    }
}
