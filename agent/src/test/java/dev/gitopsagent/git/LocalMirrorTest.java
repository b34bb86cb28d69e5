package dev.gitopsagent.git;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.eclipse.jgit.lib.ObjectId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.gitopsagent.TestAgent;
import dev.gitopsagent.testing.Fleet;

/** The remote-head probe: one protocol v2 ls-refs POST for all branches, with JGit's probe behind it for anything else. */
class LocalMirrorTest {

    @TempDir
    Path root;
    private Fleet fleet;
    private RemoteAccess access;
    private LocalMirror mirror;

    @BeforeEach
    void setUp() {
        fleet = Fleet.create(root.resolve("fleet"));
    }

    @AfterEach
    void tearDown() {
        if (mirror != null) {
            mirror.close();
        }
        if (access != null) {
            access.close();
        }
        fleet.close();
    }

    @Test
    void readsTheBranchHeadInOneRequest() throws Exception {
        String head = fleet.pushUnsigned("first");
        open(Map.of());
        fleet.server().resetCounters();

        assertThat(mirror.remoteHeads(origin(), List.of("main"))).containsExactly(Map.entry("main", ObjectId.fromString(head)));
        assertThat(fleet.server().requestCount()).isEqualTo(1);
        assertThat(fleet.server().protocolV2RequestCount()).isEqualTo(1);
    }

    @Test
    void aMissingBranchHasNoHead() throws Exception {
        fleet.pushUnsigned("first");
        open(Map.of());

        assertThat(mirror.remoteHeads(origin(), List.of("no-such-branch"))).isEmpty();
    }

    @Test
    void sendsTheConfiguredToken() throws Exception {
        String head = fleet.pushUnsigned("first");
        fleet.server().requireBasicAuth("git", "s3cret");
        open(Map.of("gitops.repository.token-file", secret("s3cret").toString()));
        fleet.server().resetCounters();

        assertThat(mirror.remoteHeads(origin(), List.of("main"))).containsEntry("main", ObjectId.fromString(head));
        assertThat(fleet.server().requestCount()).isEqualTo(1);
    }

    @Test
    void aRefusedTokenFailsAsBefore() throws Exception {
        fleet.pushUnsigned("first");
        fleet.server().requireBasicAuth("git", "s3cret");
        open(Map.of("gitops.repository.token-file", secret("wrong").toString()));

        assertThatThrownBy(() -> mirror.remoteHeads(origin(), List.of("main"))).isInstanceOf(IOException.class)
                .hasMessageContaining("not authorized");
    }

    @Test
    void readsTheMainAndTestingBranchesInOneRequestAndIgnoresLongerNamesWithTheSamePrefix() throws Exception {
        String main = fleet.pushUnsigned("first");
        fleet.work().pushTo(fleet.remote(), "main-old");
        String testing = fleet.work().commitUnsigned("on testing");
        fleet.work().pushTo(fleet.remote(), "testing-web1");
        open(Map.of());
        fleet.server().resetCounters();

        assertThat(mirror.remoteHeads(origin(), List.of("main", "testing-web1")))
                .containsOnly(Map.entry("main", ObjectId.fromString(main)), Map.entry("testing-web1", ObjectId.fromString(testing)));
        assertThat(fleet.server().requestCount()).isEqualTo(1);
    }

    @Test
    void keepsEachFetchedBranchUnderRefsHeadsWithHeadOnTheMainBranch() throws Exception {
        String main = fleet.pushUnsigned("first");
        String testing = fleet.work().commitUnsigned("on testing");
        fleet.work().pushTo(fleet.remote(), "testing-web1");
        open(Map.of());

        mirror.fetch(origin(), List.of("testing-web1", "main"));

        // Read back with the real git CLI, which is what Nix's fetcher runs on this clone.
        assertThat(git("rev-parse", "refs/heads/main", "refs/heads/testing-web1")).isEqualTo(main + "\n" + testing);
        assertThat(git("symbolic-ref", "HEAD")).isEqualTo("refs/heads/main");
        assertThat(git("rev-parse", "HEAD")).isEqualTo(main);
    }

    @Test
    void aCloneWhoseHeadNamesAnotherBranchGetsItOnTheMainBranch() throws Exception {
        Path clone = root.resolve("state/repo.git");
        dev.gitopsagent.testing.WorkRepo.initBare(clone, "master");
        open(Map.of());

        assertThat(git("symbolic-ref", "HEAD")).isEqualTo("refs/heads/main");
    }

    private void open(Map<String, String> extra) throws IOException {
        Map<String, String> properties = new HashMap<>(fleet.agentProperties());
        properties.putAll(extra);
        var config = TestAgent.configFrom(properties);
        Path state = Files.createDirectories(root.resolve("state"));
        access = RemoteAccess.from(config.repository(), state);
        mirror = LocalMirror.open(state.resolve("repo.git"), "main", access);
    }

    private String git(String... args) {
        List<String> command = new java.util.ArrayList<>(List.of("git", "--git-dir", mirror.directory().toString()));
        command.addAll(List.of(args));
        return dev.gitopsagent.testing.CommandLine.of(command).env("GIT_CONFIG_GLOBAL", "/dev/null").env("GIT_CONFIG_NOSYSTEM", "1")
                .runChecked().stdout().strip();
    }

    private Remote origin() {
        return Remote.parse("origin", fleet.server().url(Fleet.REPO).toString(), "gitops.repository.url");
    }

    private Path secret(String token) {
        return fleet.writeSecret("token", token);
    }
}
