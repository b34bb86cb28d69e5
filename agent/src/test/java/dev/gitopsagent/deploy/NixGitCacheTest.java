package dev.gitopsagent.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.gitopsagent.testing.Await;
import dev.gitopsagent.testing.CommandLine;
import dev.gitopsagent.testing.ProcessResult;
import dev.gitopsagent.testing.WorkRepo;

/**
 * A lock that a killed fetch left in Nix's git cache is removed before the next build, so one
 * interrupted fetch does not fail every build after it; a repository a process is working in keeps
 * its locks. The cache repository is fetched into as Nix does it ({@code git -C <cache> fetch --depth=1}).
 */
class NixGitCacheTest {

    @TempDir
    Path root;
    private WorkRepo source;
    private Path cached;
    private NixGitCache cache;

    @BeforeEach
    void setUp() throws Exception {
        source = WorkRepo.init(root.resolve("source"), "main");
        source.writeFile("flake.nix", "{ outputs = _: { }; }\n");
        source.commitUnsigned("first");
        // Real, as the agent reports the locks it removed.
        cached = WorkRepo.initBare(root.resolve("xdg/nix/gitv3/0abc-shallow")).toRealPath();
        cache = NixGitCache.of(Map.of("XDG_CACHE_HOME", root.resolve("xdg").toString(), "HOME", root.resolve("home").toString()));
        fetchAsNixDoes().orThrow();
    }

    @AfterEach
    void tearDown() {
        source.close();
    }

    @Test
    void removesTheLocksAKilledShallowFetchLeftSoTheNextFetchSucceeds() throws Exception {
        Path shallow = Files.createFile(cached.resolve("shallow.lock"));
        Path ref = Files.createFile(cached.resolve("refs/heads/main.lock"));
        source.writeFile("flake.nix", "{ outputs = _: { second = true; }; }\n");
        String second = source.commitUnsigned("second");

        assertThat(fetchAsNixDoes().stderr()).contains("shallow.lock': File exists");
        // The failed fetch has exited, but not always its helpers: dash runs `sh -c 'git-upload-pack ...'` as a parent
        // that keeps the working directory it inherited, the cached repository, until upload-pack sees the fetch gone.
        // Until then the repository is rightly in use.
        Await.until(Duration.ofSeconds(30), "no process working in " + cached, () -> NixGitCache.workingDirectories().orElseThrow()
                .stream().noneMatch(directory -> directory.startsWith(cached)));

        assertThat(cache.clearStaleLocks()).containsExactlyInAnyOrder(shallow, ref);
        assertThat(fetchAsNixDoes().succeeded()).isTrue();
        assertThat(git(cached, "rev-parse", "refs/heads/main").stdout().strip()).isEqualTo(second);
    }

    @Test
    void keepsTheLocksOfARepositoryAProcessIsWorkingIn() throws Exception {
        Path lock = Files.createFile(cached.resolve("shallow.lock"));
        Process fetch = new ProcessBuilder("sleep", "60").directory(cached.resolve("objects").toFile()).start();
        try {
            assertThat(cache.clearStaleLocks()).isEmpty();
            assertThat(lock).exists();
        } finally {
            fetch.destroyForcibly().waitFor();
        }
        assertThat(cache.clearStaleLocks()).containsExactly(lock);
    }

    @Test
    void removesNothingButLockFilesInsideTheCachedRepositories() throws Exception {
        Path outside = Files.writeString(root.resolve("precious.lock"), "not git's");
        Files.createSymbolicLink(cached.resolve("refs/heads/link.lock"), outside);
        Path keep = Files.createFile(cached.resolve("objects/pack/pack-0123.keep"));
        Path nixOwn = Files.createFile(Files.createDirectories(root.resolve("xdg/nix/eval-cache-v5")).resolve("some.lock"));
        Path graph = Files.createFile(Files.createDirectories(cached.resolve("objects/info/commit-graphs")).resolve("commit-graph-chain.lock"));

        assertThat(cache.clearStaleLocks()).containsExactly(graph);

        assertThat(outside).hasContent("not git's");
        assertThat(cached.resolve("refs/heads/link.lock")).isSymbolicLink();
        assertThat(keep).exists();
        assertThat(nixOwn).exists();
        assertThat(git(cached, "fsck", "--no-progress").succeeded()).isTrue();
    }

    @Test
    void findsTheCacheWhereNixLooksForIt() {
        record Case(Map<String, String> environment, List<Path> expected) {
        }
        for (Case c : List.of(
                new Case(Map.of("HOME", "/h"), List.of(Path.of("/h/.cache/nix/gitv3"))),
                new Case(Map.of("HOME", "/h", "XDG_CACHE_HOME", "/var/cache/gitops-agent"), List.of(Path.of("/var/cache/gitops-agent/nix/gitv3"))),
                // Releases that read NIX_CACHE_HOME use it; older ones use XDG_CACHE_HOME's.
                new Case(Map.of("HOME", "/h", "NIX_CACHE_HOME", "/n"), List.of(Path.of("/n/gitv3"), Path.of("/h/.cache/nix/gitv3"))),
                // Set but empty is set, for Nix too.
                new Case(Map.of("HOME", "/h", "XDG_CACHE_HOME", ""), List.of(Path.of("/nix/gitv3"))))) {
            assertThat(NixGitCache.directories(c.environment())).as("%s", c.environment()).isEqualTo(c.expected());
        }
    }

    @Test
    void aCacheNixHasNotCreatedYetHasNothingToClear() {
        assertThat(NixGitCache.of(Map.of("XDG_CACHE_HOME", root.resolve("none").toString())).clearStaleLocks()).isEmpty();
    }

    /** How Nix fetches a commit into its cache for a shallow {@code git+file} input. */
    private ProcessResult fetchAsNixDoes() {
        return git(cached, "fetch", "--quiet", "--force", "--depth=1", "--", "file://" + source.workTree(), "refs/heads/main:refs/heads/main");
    }

    private ProcessResult git(Path repository, String... arguments) {
        List<String> command = new java.util.ArrayList<>(List.of("git", "-C", repository.toString(), "--git-dir", "."));
        command.addAll(List.of(arguments));
        return CommandLine.of(command).env("HOME", root.resolve("home").toString()).env("GIT_CONFIG_GLOBAL", "/dev/null")
                .env("GIT_CONFIG_NOSYSTEM", "1").run();
    }
}
