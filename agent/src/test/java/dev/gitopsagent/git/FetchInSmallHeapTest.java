package dev.gitopsagent.git;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.eclipse.jgit.lib.ObjectId;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.gitopsagent.TestAgent;
import dev.gitopsagent.testing.CommandLine;
import dev.gitopsagent.testing.GitHttpServer;

/**
 * A fetch that runs the heap of the JVM unit (64 MiB, its collector and options) out of memory, through the mirror as a
 * reconcile fetches, from a real git server: a repository of 700,000 files of a few bytes passes the pack header's bound
 * ({@link HeapCapacity}, which refuses only what no heap of that size could index) but takes more than the heap holds.
 * It is refused as {@code heap-too-small}, nothing of it is kept, and the same process fetches again afterwards; before,
 * the {@link OutOfMemoryError} ended the agent (status 70), and systemd restarted it into the same fetch.
 */
class FetchInSmallHeapTest {

    private static final int MANY_FILES = 700_000;

    @TempDir
    static Path served;
    private static GitHttpServer server;

    @TempDir
    Path state;

    @BeforeAll
    static void serveARepositoryWithAHugeBranch() throws Exception {
        Path repository = served.resolve("fleet.git");
        git(repository, "init", "-q", "--bare", "-b", "main");
        Process importer = new ProcessBuilder("git", "--git-dir", repository.toString(), "fast-import", "--quiet")
                .redirectErrorStream(true).redirectOutput(served.resolve("import.log").toFile()).start();
        try (OutputStream in = new BufferedOutputStream(importer.getOutputStream(), 1 << 16)) {
            write(in, commit("small", 1, "small", null) + file("README", "small\n") + "\n");
            write(in, commit("second", 2, "second", "small") + file("NEWS", "second\n") + "\n");
            write(in, commit("many", 3, "many", "small"));
            for (int i = 0; i < MANY_FILES; i++) {
                write(in, file("d" + i / 1000 + "/f" + i % 1000, i + "\n"));
            }
            write(in, "\n");
        }
        assertThat(importer.waitFor()).as(Files.readString(served.resolve("import.log"))).isZero();
        server = GitHttpServer.start(served);
    }

    @AfterAll
    static void stopServing() {
        server.close();
    }

    @Test
    void aFirstFetchThatRunsTheHeapOutOfMemoryIsRefusedAndTheSameProcessFetchesAgain() throws Exception {
        List<String> outcome = fetchInSmallHeap("many", "small");

        assertThat(outcome.get(0)).startsWith("many: refused heap-too-small: this process's heap of ")
                .contains(" MiB ran out of memory indexing the " + objects("many")
                        + " objects the remote announced in one fetch; raise the JVM's -Xmx");
        assertThat(outcome.get(1)).isEqualTo("small: fetched " + head("small"));
        assertThat(mirrorGit("for-each-ref", "--format=%(refname)")).isEqualTo("refs/heads/small");
        assertThat(packDirectory()).as("nothing of the refused pack is kept").allMatch(file -> file.startsWith("pack-"));
        mirrorGit("fsck", "--full", "--strict", "--no-dangling");
    }

    @Test
    void aLaterFetchThatRunsTheHeapOutOfMemoryIsRefusedAndTheSameProcessFetchesAgain() throws Exception {
        List<String> outcome = fetchInSmallHeap("small", "many", "second");

        assertThat(outcome.get(0)).isEqualTo("small: fetched " + head("small"));
        assertThat(outcome.get(1)).startsWith("many: refused heap-too-small: this process's heap of ")
                .contains(" MiB ran out of memory indexing the " + objects("many", "^small")
                        + " objects the remote announced in one fetch; raise the JVM's -Xmx");
        assertThat(outcome.get(2)).isEqualTo("second: fetched " + head("second"));
        assertThat(mirrorGit("for-each-ref", "--format=%(refname)")).isEqualTo("refs/heads/second\nrefs/heads/small");
        assertThat(packDirectory()).as("nothing of the refused pack is kept").allMatch(file -> file.startsWith("pack-"));
        mirrorGit("fsck", "--full", "--strict", "--no-dangling");
    }

    /** Fetches each branch in turn into a new mirror, in a JVM with the unit's heap options; what came of each, one line. */
    private List<String> fetchInSmallHeap(String... branches) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java));
        command.addAll(FirstPackParserSmallHeapTest.HEAP_OPTIONS);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Child.class.getName(), server.url("fleet.git").toString(),
                state.toString()));
        command.addAll(List.of(branches));
        Path output = state.resolve("out");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
        // Only a guard against a fetch that never ends; the refusal takes seconds.
        if (!process.waitFor(3, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new AssertionError("the fetches in a 64 MiB heap did not end within 3 minutes");
        }
        List<String> lines = Files.readAllLines(output).stream().filter(line -> line.matches("^[a-z]+: .*")).toList();
        assertThat(lines).as(Files.readString(output)).hasSize(branches.length);
        return lines;
    }

    private static String head(String branch) {
        return git(served.resolve("fleet.git"), "rev-parse", "refs/heads/" + branch);
    }

    /** How many objects a fetch of these revisions brings, as git counts them on the server. */
    private static String objects(String... revisions) {
        List<String> args = new ArrayList<>(List.of("rev-list", "--objects", "--count"));
        args.addAll(List.of(revisions));
        return git(served.resolve("fleet.git"), args.toArray(String[]::new));
    }

    private String mirrorGit(String... args) {
        return git(state.resolve("repo.git"), args);
    }

    private List<String> packDirectory() throws IOException {
        try (var files = Files.list(state.resolve("repo.git/objects/pack"))) {
            return files.map(file -> file.getFileName().toString()).toList();
        }
    }

    private static String git(Path gitDir, String... args) {
        List<String> command = new ArrayList<>(List.of("git", "--git-dir", gitDir.toString()));
        command.addAll(List.of(args));
        return CommandLine.of(command).env("GIT_CONFIG_GLOBAL", "/dev/null").env("GIT_CONFIG_NOSYSTEM", "1").runChecked().stdout().strip();
    }

    private static String commit(String branch, int second, String message, String parent) {
        return "commit refs/heads/" + branch + "\ncommitter A U Thor <author@example.org> " + (1_700_000_000 + second) + " +0000\n"
                + "data " + message.length() + "\n" + message + "\n" + (parent == null ? "" : "from refs/heads/" + parent + "\n");
    }

    private static String file(String path, String content) {
        return "M 100644 inline " + path + "\ndata " + content.length() + "\n" + content + "\n";
    }

    private static void write(OutputStream out, String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.UTF_8));
    }

    /** The child JVM: fetches each branch named into a new mirror, as a reconcile does, and prints what came of it. */
    static final class Child {

        public static void main(String[] args) throws Exception {
            Path state = Path.of(args[1]);
            var config = TestAgent.configFrom(Map.of("gitops.repository.url", args[0], "gitops.host", "small-heap",
                    "gitops.state-dir", state.toString(), "gitops.trust.allowed-signers", "/dev/null", "gitops.deploy.command", "/bin/true"));
            Remote origin = Remote.parse("origin", args[0], "gitops.repository.url");
            try (RemoteAccess access = RemoteAccess.from(config.repository(), state);
                    LocalMirror mirror = LocalMirror.open(state.resolve("repo.git"), "main", access,
                            FetchBounds.configured(config.repository()), () -> false)) {
                for (String branch : List.of(args).subList(2, args.length)) {
                    Map<String, ObjectId> heads = mirror.remoteHeads(origin, List.of(branch));
                    try {
                        System.out.println(branch + ": fetched " + mirror.fetch(origin, heads, Optional.empty()).get(branch).name());
                    } catch (Throwable e) {
                        System.out.println(branch + ": " + FetchRefusedException.in(e).map(r -> "refused " + r.reason().label() + ": " + r.getMessage())
                                .orElse("failed: " + e));
                    }
                }
            }
            System.exit(0);
        }
    }
}
