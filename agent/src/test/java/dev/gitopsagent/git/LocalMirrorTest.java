package dev.gitopsagent.git;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import org.eclipse.jgit.lib.ObjectId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.gitopsagent.TestAgent;
import dev.gitopsagent.config.InvalidConfigException;
import dev.gitopsagent.testing.CommandLine;
import dev.gitopsagent.testing.Fleet;
import dev.gitopsagent.testing.GitHttpServer;
import dev.gitopsagent.testing.TlsCertificate;
import dev.gitopsagent.testing.WorkRepo;

/** The remote-head probe: one protocol v2 ls-refs POST for all branches, with JGit's probe behind it for anything else. */
class LocalMirrorTest {

    @TempDir
    Path root;
    private Fleet fleet;
    private RemoteAccess access;
    private LocalMirror mirror;
    private TlsCertificate certificate;

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
    void anOutageFailsThePollAndTheNextPollIsOneRequestAgain() throws Exception {
        String head = fleet.pushUnsigned("first");
        open(Map.of());
        fleet.server().stop();

        assertThatThrownBy(() -> mirror.remoteHeads(origin(), List.of("main"))).isInstanceOf(IOException.class);
        fleet.server().restart();
        fleet.server().resetCounters();

        assertThat(mirror.remoteHeads(origin(), List.of("main"))).containsExactly(Map.entry("main", ObjectId.fromString(head)));
        assertThat(fleet.server().requests()).containsExactly(UPLOAD_PACK);
    }

    static Stream<Arguments> listingsCutShort() {
        return Stream.of(
                Arguments.of("cut short once: asked for again, and the next poll is one request", 1,
                        List.of(UPLOAD_PACK, UPLOAD_PACK), List.of(UPLOAD_PACK)),
                Arguments.of("cut short twice while JGit's probe gets through: probed through JGit from then on", 2,
                        List.of(UPLOAD_PACK, UPLOAD_PACK, CAPABILITIES, UPLOAD_PACK), List.of(CAPABILITIES, UPLOAD_PACK)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("listingsCutShort")
    void aListingCutShortIsAskedForAgain(String what, int cutShort, List<String> firstPoll, List<String> nextPoll) throws Exception {
        String head = fleet.pushUnsigned("first");
        open(Map.of());
        fleet.server().resetCounters();
        fleet.server().breakNextAnswers(cutShort);

        assertThat(mirror.remoteHeads(origin(), List.of("main"))).containsExactly(Map.entry("main", ObjectId.fromString(head)));
        assertThat(fleet.server().requests()).containsExactlyElementsOf(firstPoll);
        fleet.server().resetCounters();

        assertThat(mirror.remoteHeads(origin(), List.of("main"))).containsExactly(Map.entry("main", ObjectId.fromString(head)));
        assertThat(fleet.server().requests()).containsExactlyElementsOf(nextPoll);
    }

    @Test
    void aRemoteThatDoesNotAnswerFailsThePollAfterOneTimeLimit() throws Exception {
        fleet.pushUnsigned("first");
        try (java.net.ServerSocket silent = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            java.util.concurrent.atomic.AtomicInteger connections = new java.util.concurrent.atomic.AtomicInteger();
            Thread acceptor = new Thread(() -> {
                List<java.net.Socket> held = new java.util.ArrayList<>();
                try {
                    while (true) {
                        held.add(silent.accept());
                        connections.incrementAndGet();
                    }
                } catch (IOException closed) {
                    held.forEach(socket -> {
                        try {
                            socket.close();
                        } catch (IOException ignored) {
                            // closing anyway
                        }
                    });
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            String url = "http://127.0.0.1:" + silent.getLocalPort() + "/" + Fleet.REPO;
            open(Map.of("gitops.repository.url", url, "gitops.repository.timeout", "1s"));
            Remote remote = Remote.parse("origin", url, "gitops.repository.url");

            assertThatThrownBy(() -> mirror.remoteHeads(remote, List.of("main"))).isInstanceOf(IOException.class)
                    .hasMessageContaining("no answer to ls-refs within 1 s");
            assertThat(connections.get()).as("neither asked again nor probed through JGit").isEqualTo(1);
        }
    }

    @Test
    void aMissingBranchHasNoHead() throws Exception {
        fleet.pushUnsigned("first");
        open(Map.of());

        assertThat(mirror.remoteHeads(origin(), List.of("no-such-branch"))).isEmpty();
    }

    @Test
    void sendsTheConfiguredTokenToItsHttpsRemote() throws Exception {
        String head = fleet.pushUnsigned("first");
        try (GitHttpServer https = httpsServer()) {
            https.requireBasicAuth("git", "s3cret");
            open(Map.of("gitops.repository.url", https.url(Fleet.REPO).toString(),
                    "gitops.repository.token-file", secret("token", "s3cret").toString()));

            assertThat(mirror.remoteHeads(remote("origin", https), List.of("main"))).containsEntry("main", ObjectId.fromString(head));
            assertThat(https.requestCount()).isEqualTo(1);
            assertThat(https.authorizations()).containsExactly(GitHttpServer.basic("git", "s3cret"));
        }
    }

    @Test
    void aRefusedTokenFailsAsBefore() throws Exception {
        fleet.pushUnsigned("first");
        try (GitHttpServer https = httpsServer()) {
            https.requireBasicAuth("git", "s3cret");
            open(Map.of("gitops.repository.url", https.url(Fleet.REPO).toString(),
                    "gitops.repository.token-file", secret("token", "wrong").toString()));

            assertThatThrownBy(() -> mirror.remoteHeads(remote("origin", https), List.of("main"))).isInstanceOf(IOException.class)
                    .hasMessageContaining("not authorized");
        }
    }

    @Test
    void eachRemoteIsSentOnlyItsOwnCredentials() throws Exception {
        fleet.pushUnsigned("first");
        try (GitHttpServer origin = httpsServer(); GitHttpServer plainMirror = httpsServer(); GitHttpServer guardedMirror = httpsServer()) {
            origin.requireBasicAuth("git", "origin-token");
            guardedMirror.requireBasicAuth("reader", "mirror-token");
            open(Map.of("gitops.repository.url", origin.url(Fleet.REPO).toString(),
                    "gitops.repository.token-file", secret("origin-token", "origin-token").toString(),
                    "gitops.repository.mirrors", plainMirror.url(Fleet.REPO) + "," + guardedMirror.url(Fleet.REPO),
                    "gitops.repository.mirror.2.username", "reader",
                    "gitops.repository.mirror.2.token-file", secret("mirror-token", "mirror-token").toString()));

            // The first fetch goes through JGit; each later one, a fetch of the polled head alone, through the agent's own requests.
            for (Remote remote : List.of(remote("origin", origin), remote("mirror1", plainMirror), remote("mirror2", guardedMirror))) {
                String head = fleet.pushUnsigned("for " + remote.name());
                assertThat(mirror.fetch(remote, mirror.remoteHeads(remote, List.of("main")), Optional.empty()))
                        .containsEntry("main", ObjectId.fromString(head));
            }

            assertThat(origin.authorizations()).isNotEmpty().containsOnly(GitHttpServer.basic("git", "origin-token"));
            assertThat(plainMirror.requestCount()).isPositive();
            assertThat(plainMirror.authorizations()).as("a mirror without credentials is sent none").isEmpty();
            assertThat(guardedMirror.authorizations()).isNotEmpty().containsOnly(GitHttpServer.basic("reader", "mirror-token"));
        }
    }

    @Test
    void aTokenForAPlainHttpRemoteIsRefusedNamingTheKey() {
        var origin = TestAgent.configFrom(with(Map.of("gitops.repository.token-file", secret("token", "s3cret").toString())));
        var mirrorOverHttp = TestAgent.configFrom(with(Map.of("gitops.repository.mirrors", fleet.server().url(Fleet.REPO).toString(),
                "gitops.repository.mirror.1.token-file", secret("token", "s3cret").toString())));
        var credentialsForNoMirror = TestAgent.configFrom(with(Map.of("gitops.repository.mirror.1.token-file",
                secret("token", "s3cret").toString())));

        assertThatThrownBy(() -> RemoteAccess.from(origin.repository(), root)).isInstanceOf(InvalidConfigException.class)
                .hasMessageStartingWith("gitops.repository.token-file is set, but http://").hasMessageContaining("in the clear");
        assertThatThrownBy(() -> RemoteAccess.from(mirrorOverHttp.repository(), root)).isInstanceOf(InvalidConfigException.class)
                .hasMessageStartingWith("gitops.repository.mirror.1.token-file is set, but http://");
        assertThatThrownBy(() -> RemoteAccess.from(credentialsForNoMirror.repository(), root)).isInstanceOf(InvalidConfigException.class)
                .hasMessageStartingWith("gitops.repository.mirror.1 names no mirror");
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
    void aFetchAfterAPollAsksTheServerForThePackAloneOnceItsCapabilitiesAreKnown() throws Exception {
        cloneThenPush();
        fleet.server().resetCounters();

        pollAndFetch(origin(), List.of("main"));
        // The poll, then the capability advertisement (asked once), then the fetch: JGit would ask for capabilities and refs again.
        assertThat(fleet.server().requests()).containsExactly(UPLOAD_PACK, CAPABILITIES, UPLOAD_PACK);
        String third = fleet.pushUnsigned("third");
        fleet.server().resetCounters();

        assertThat(pollAndFetch(origin(), List.of("main"))).containsExactly(Map.entry("main", ObjectId.fromString(third)));
        assertThat(fleet.server().requests()).containsExactly(UPLOAD_PACK, UPLOAD_PACK);
        assertThat(fleet.server().protocolV2RequestCount()).isEqualTo(2);
        assertThat(git("rev-parse", "refs/heads/main")).isEqualTo(third);
        assertThat(git("fsck", "--strict", "--no-dangling")).isEmpty();
    }

    @Test
    void aBranchTheCloneCannotMoveFailsTheFetchNamingTheBranchAndTheCommit() throws Exception {
        String second = cloneThenPush();
        String first = git("rev-parse", "refs/heads/main");
        Files.createFile(mirror.directory().resolve("refs/heads/main.lock"));

        assertThatThrownBy(() -> pollAndFetch(origin(), List.of("main"))).isInstanceOf(IOException.class)
                .hasMessageContaining("refs/heads/main could not be moved to " + second + ": LOCK_FAILURE");
        assertThat(git("rev-parse", "refs/heads/main")).isEqualTo(first);
    }

    @Test
    void locksARunStoppedWhileUpdatingTheCloneLeftAreRemovedWhenItIsOpenedAgain() throws Exception {
        String second = cloneThenPush();
        Path branchLock = Files.createFile(mirror.directory().resolve("refs/heads/main.lock"));
        Path packedRefsLock = Files.createFile(mirror.directory().resolve("packed-refs.lock"));
        mirror.close();

        open(Map.of());

        assertThat(branchLock).doesNotExist();
        assertThat(packedRefsLock).doesNotExist();
        assertThat(pollAndFetch(origin(), List.of("main"))).containsExactly(Map.entry("main", ObjectId.fromString(second)));
        assertThat(git("rev-parse", "refs/heads/main")).isEqualTo(second);
    }

    @Test
    void aFirstSyncStoppedHalfWayIsRetriedWithTheAgentsOwnParserNotJGits() throws Exception {
        String head = fleet.pushUnsigned("first");
        open(Map.of());
        Path objects = mirror.directory().resolve("objects");
        // What a first sync killed while the pack arrived leaves: the agent's or JGit's pack and index, or JGit's loose object.
        List<Path> leftovers = List.of(Files.writeString(objects.resolve("pack/incoming_4711.pack"), "PACK, half-written"),
                Files.writeString(objects.resolve("pack/incoming_4711.idx"), "half an index"),
                Files.writeString(objects.resolve("noz4712.tmp"), "half a loose object"));
        mirror.close();

        open(Map.of());

        assertThat(leftovers).allSatisfy(leftover -> assertThat(leftover).doesNotExist());
        assertThat(((BoundedRepository) mirror.repository()).holdsNoObjects()).isTrue();
        assertThat(pollAndFetch(origin(), List.of("main"))).containsExactly(Map.entry("main", ObjectId.fromString(head)));
        assertThat(git("fsck", "--strict", "--no-dangling")).isEmpty();
    }

    @Test
    void fetchesThePolledHeadEvenWhenTheBranchMovedSince() throws Exception {
        String polled = cloneThenPush();
        Map<String, ObjectId> heads = mirror.remoteHeads(origin(), List.of("main"));
        fleet.pushUnsigned("third");

        assertThat(mirror.fetch(origin(), heads, Optional.empty())).containsExactly(Map.entry("main", ObjectId.fromString(polled)));
        assertThat(git("rev-parse", "refs/heads/main")).isEqualTo(polled);
    }

    @Test
    void aServerThatStopsSpeakingProtocolV2IsFetchedFromThroughJGitFromThenOn() throws Exception {
        cloneThenPush();
        pollAndFetch(origin(), List.of("main"));
        // Its capabilities are kept now; behind a proxy that drops Git-Protocol the server answers a v2 fetch in v0.
        fleet.server().dropGitProtocolHeader(true);
        String third = fleet.pushUnsigned("third");

        assertThat(pollAndFetch(origin(), List.of("main"))).containsExactly(Map.entry("main", ObjectId.fromString(third)));
        assertThat(git("rev-parse", "refs/heads/main")).isEqualTo(third);
        String fourth = fleet.pushUnsigned("fourth");
        fleet.server().resetCounters();

        assertThat(pollAndFetch(origin(), List.of("main"))).containsExactly(Map.entry("main", ObjectId.fromString(fourth)));
        // JGit's probe and fetch alone: its capability and ref advertisement (v0), then the pack.
        assertThat(fleet.server().requests()).containsExactly(CAPABILITIES, CAPABILITIES, UPLOAD_PACK);
    }

    @Test
    void anOutageBetweenPollAndFetchFailsTheFetchAndTheNextOneIsDirectAgain() throws Exception {
        cloneThenPush();
        pollAndFetch(origin(), List.of("main"));
        String third = fleet.pushUnsigned("third");
        Map<String, ObjectId> heads = mirror.remoteHeads(origin(), List.of("main"));
        fleet.server().stop();

        assertThatThrownBy(() -> mirror.fetch(origin(), heads, Optional.empty())).isInstanceOf(IOException.class);
        fleet.server().restart();
        fleet.server().resetCounters();

        assertThat(pollAndFetch(origin(), List.of("main"))).containsExactly(Map.entry("main", ObjectId.fromString(third)));
        assertThat(fleet.server().requests()).containsExactly(UPLOAD_PACK, UPLOAD_PACK);
    }

    @Test
    void aPolledHeadTheServerNoLongerHasIsFetchedThroughJGitOnceAndTheNextFetchIsDirectAgain() throws Exception {
        String second = cloneThenPush();
        pollAndFetch(origin(), List.of("main"));
        fleet.pushUnsigned("third");
        Map<String, ObjectId> heads = mirror.remoteHeads(origin(), List.of("main"));
        // Between poll and fetch the branch is force-pushed back and the server prunes the polled commit:
        // its upload-pack answers the direct fetch with "not our ref". That is this commit's fate, not the remote's way.
        gitIn(fleet.remote(), "update-ref", "refs/heads/main", second);
        gitIn(fleet.remote(), "reflog", "expire", "--expire=now", "--all");
        gitIn(fleet.remote(), "gc", "-q", "--prune=now");

        assertThat(mirror.fetch(origin(), heads, Optional.empty())).containsExactly(Map.entry("main", ObjectId.fromString(second)));
        String fourth = fleet.pushUnsigned("fourth");
        fleet.server().resetCounters();

        assertThat(pollAndFetch(origin(), List.of("main"))).containsExactly(Map.entry("main", ObjectId.fromString(fourth)));
        // Direct again: the poll, the capabilities read anew once, the fetch. JGit's path would add an ls-refs.
        assertThat(fleet.server().requests()).containsExactly(UPLOAD_PACK, CAPABILITIES, UPLOAD_PACK);
        String fifth = fleet.pushUnsigned("fifth");
        fleet.server().resetCounters();

        assertThat(pollAndFetch(origin(), List.of("main"))).containsExactly(Map.entry("main", ObjectId.fromString(fifth)));
        assertThat(fleet.server().requests()).containsExactly(UPLOAD_PACK, UPLOAD_PACK);
    }

    @Test
    void aServerWithoutProtocolV2IsFetchedFromThroughJGit() throws Exception {
        fleet.server().dropGitProtocolHeader(true);
        fleet.pushUnsigned("first");
        open(Map.of());
        pollAndFetch(origin(), List.of("main"));
        String second = fleet.pushUnsigned("second");

        assertThat(pollAndFetch(origin(), List.of("main"))).containsExactly(Map.entry("main", ObjectId.fromString(second)));
        assertThat(git("rev-parse", "refs/heads/main")).isEqualTo(second);
    }

    @Test
    void keepsEachFetchedBranchUnderRefsHeadsWithHeadOnTheMainBranch() throws Exception {
        String main = fleet.pushUnsigned("first");
        String testing = fleet.work().commitUnsigned("on testing");
        fleet.work().pushTo(fleet.remote(), "testing-web1");
        open(Map.of());

        pollAndFetch(origin(), List.of("testing-web1", "main"));

        // Read back with the real git CLI, which is what Nix's fetcher runs on this clone.
        assertThat(git("rev-parse", "refs/heads/main", "refs/heads/testing-web1")).isEqualTo(main + "\n" + testing);
        assertThat(git("symbolic-ref", "HEAD")).isEqualTo("refs/heads/main");
        assertThat(git("rev-parse", "HEAD")).isEqualTo(main);
    }

    @Test
    void aFirstFetchOfAnIncompleteHistoryIsRefusedNamingTheMissingObjectAndCreatesNoBranch() throws Exception {
        String first = fleet.pushUnsigned("first");
        String second = fleet.pushUnsigned("second");
        // A graft on the server makes its upload-pack treat the head as parentless: the pack it sends
        // lacks the head's parent, which the head commit itself still names.
        Files.writeString(fleet.remote().resolve("info/grafts"), second + "\n");
        open(Map.of());

        assertThatThrownBy(() -> pollAndFetch(origin(), List.of("main")))
                .isInstanceOf(org.eclipse.jgit.errors.TransportException.class)
                .hasMessageContaining("incomplete history").hasMessageContaining(first);
        assertThat(mirror.repository().exactRef("refs/heads/main")).isNull();
    }

    @Test
    void aFirstFetchOfAMalformedTreeIsRefusedNamingTheTreeAndCreatesNoBranch() throws Exception {
        String first = fleet.pushUnsigned("first");
        String remote = fleet.remote().toString();
        String blob = fleet.work().git("--git-dir", remote, "rev-parse", first + ":flake.nix").strip();
        // Two entries of the same name: git's own fsck and JGit's object checker both refuse such a tree.
        byte[] blobId = new byte[20];
        ObjectId.fromString(blob).copyRawTo(blobId, 0);
        java.io.ByteArrayOutputStream entries = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < 2; i++) {
            entries.writeBytes("100644 twice\0".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            entries.writeBytes(blobId);
        }
        Path treeFile = Files.write(root.resolve("malformed-tree"), entries.toByteArray());
        String tree = fleet.work().git("--git-dir", remote, "hash-object", "-t", "tree", "--literally", "-w", treeFile.toString()).strip();
        String commit = fleet.work().git("--git-dir", remote, "commit-tree", tree, "-p", first, "-m", "malformed").strip();
        fleet.work().git("--git-dir", remote, "update-ref", "refs/heads/main", commit);
        open(Map.of());

        assertThatThrownBy(() -> pollAndFetch(origin(), List.of("main")))
                .isInstanceOf(org.eclipse.jgit.errors.TransportException.class)
                .hasMessageContaining("Invalid tree " + tree).hasMessageContaining("duplicate entry names")
                .hasMessageContaining("no branch was created");
        assertThat(mirror.repository().exactRef("refs/heads/main")).isNull();
    }

    @Test
    void aFirstFetchAfterARefusedOneStartsAfreshAndLeavesAHistoryGitFindsComplete() throws Exception {
        fleet.pushUnsigned("first");
        String second = fleet.pushUnsigned("second");
        Path grafts = Files.writeString(fleet.remote().resolve("info/grafts"), second + "\n");
        open(Map.of());
        assertThatThrownBy(() -> pollAndFetch(origin(), List.of("main"))).hasMessageContaining("incomplete history");
        Files.delete(grafts);

        assertThat(pollAndFetch(origin(), List.of("main"))).containsExactly(Map.entry("main", ObjectId.fromString(second)));
        // git's own full check: every object reachable from the branch is here, and nothing else is.
        assertThat(git("fsck", "--strict", "--no-dangling")).isEmpty();
        assertThat(git("count-objects", "-v")).contains("count: 0");
        assertThat(git("rev-list", "--count", "main")).isEqualTo("2");
    }

    @Test
    void manyUpdatesLeaveABoundedNumberOfPackFilesAndAHistoryGitFindsComplete() throws Exception {
        fleet.pushUnsigned("first");
        open(Map.of());
        pollAndFetch(origin(), List.of("main"));
        String head = null;
        for (int i = 0; i < 2 * SmallPacks.MAX + 3; i++) {
            head = fleet.pushUnsigned("update " + i);
            assertThat(pollAndFetch(origin(), List.of("main"))).containsEntry("main", ObjectId.fromString(head));
            // As the reconcile loop does once a reconcile is recorded and reported.
            mirror.mergeSmallPacks();
            assertThat(packFiles()).as("after update " + i).isLessThanOrEqualTo(SmallPacks.MAX + 1);
        }
        assertThat(git("rev-parse", "refs/heads/main")).isEqualTo(head);
        git("fsck", "--full", "--strict", "--no-dangling");
        assertThat(git("rev-list", "--count", "--objects", "refs/heads/main")).isEqualTo(
                gitIn(fleet.remote(), "rev-list", "--count", "--objects", "refs/heads/main"));
        assertThat(git("config", "fetch.autogc")).as("JGit's whole-repository gc stays off").isEqualTo("false");
    }

    @Test
    void aFetchLeavesTheMergeOfSmallPacksToLaterSoThatItNeverDelaysABuild() throws Exception {
        fleet.pushUnsigned("first");
        open(Map.of());
        pollAndFetch(origin(), List.of("main"));
        for (int i = 0; i < SmallPacks.MAX + 2; i++) {
            fleet.pushUnsigned("update " + i);
            pollAndFetch(origin(), List.of("main"));
        }
        assertThat(packFiles()).as("one pack per fetch, none merged yet").isEqualTo(SmallPacks.MAX + 3);

        mirror.mergeSmallPacks();

        assertThat(packFiles()).as("the first sync's pack and one merged").isEqualTo(2);
        git("fsck", "--full", "--strict", "--no-dangling");
    }

    @Test
    void aCloneWhoseHeadNamesAnotherBranchGetsItOnTheMainBranch() throws Exception {
        Path clone = root.resolve("state/repo.git");
        WorkRepo.initBare(clone, "master");
        open(Map.of());

        assertThat(git("symbolic-ref", "HEAD")).isEqualTo("refs/heads/main");
    }

    private void open(Map<String, String> extra) throws IOException {
        var config = TestAgent.configFrom(with(extra));
        Path state = Files.createDirectories(root.resolve("state"));
        access = RemoteAccess.from(config.repository(), state);
        mirror = LocalMirror.open(state.resolve("repo.git"), "main", access, FetchBounds.configured(config.repository()), () -> false);
    }

    /** The real git CLI on the mirror. */
    private String git(String... args) {
        return gitIn(mirror.directory(), args);
    }

    /** The real git CLI on a repository (the mirror, or the server's as its operator would run it), isolated from any user config. */
    private static String gitIn(Path gitDir, String... args) {
        List<String> command = new java.util.ArrayList<>(List.of("git", "--git-dir", gitDir.toString()));
        command.addAll(List.of(args));
        return CommandLine.of(command).env("GIT_CONFIG_GLOBAL", "/dev/null").env("GIT_CONFIG_NOSYSTEM", "1").runChecked().stdout().strip();
    }

    private long packFiles() {
        return WorkRepo.packFiles(mirror.directory());
    }

    /** A poll's ls-refs or a fetch. */
    private static final String UPLOAD_PACK = "POST /" + Fleet.REPO + "/git-upload-pack";
    private static final String CAPABILITIES = "GET /" + Fleet.REPO + "/info/refs";

    /** A mirror with its first fetch done, and a commit pushed since: returns that commit. */
    private String cloneThenPush() throws IOException {
        fleet.pushUnsigned("first");
        open(Map.of());
        pollAndFetch(origin(), List.of("main"));
        return fleet.pushUnsigned("second");
    }

    /** What a reconcile does: the poll, then a fetch of what it found. */
    private Map<String, ObjectId> pollAndFetch(Remote remote, List<String> branches) throws IOException {
        return mirror.fetch(remote, mirror.remoteHeads(remote, branches), Optional.empty());
    }

    private Remote origin() {
        return Remote.parse("origin", fleet.server().url(Fleet.REPO).toString(), "gitops.repository.url");
    }

    private Map<String, String> with(Map<String, String> extra) {
        Map<String, String> properties = new HashMap<>(fleet.agentProperties());
        properties.putAll(extra);
        return properties;
    }

    private GitHttpServer httpsServer() {
        if (certificate == null) {
            certificate = TlsCertificate.generate(root.resolve("tls"));
            certificate.trustInThisJvm();
        }
        return GitHttpServer.startHttps(fleet.remote().getParent(), certificate);
    }

    private static Remote remote(String name, GitHttpServer server) {
        return Remote.parse(name, server.url(Fleet.REPO).toString(), "test");
    }

    private Path secret(String name, String token) {
        return fleet.writeSecret(name, token);
    }
}
