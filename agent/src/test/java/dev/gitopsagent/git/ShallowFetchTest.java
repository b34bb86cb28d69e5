package dev.gitopsagent.git;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.revwalk.RevWalk;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.gitopsagent.TestAgent;
import dev.gitopsagent.testing.CommandLine;
import dev.gitopsagent.testing.Fleet;

/**
 * A first fetch brings only the history verification needs: the head alone without a baseline,
 * down to the baseline with one, and never a history that a shallow boundary cuts between the two.
 */
class ShallowFetchTest {

    @TempDir
    Path root;
    private Fleet fleet;
    private RemoteAccess access;
    private LocalMirror mirror;

    @BeforeEach
    void setUp() throws IOException {
        fleet = Fleet.create(root.resolve("fleet"));
        var config = TestAgent.configFrom(fleet.agentProperties());
        Path state = Files.createDirectories(root.resolve("state"));
        access = RemoteAccess.from(config.repository(), state);
        mirror = LocalMirror.open(state.resolve("repo.git"), "main", access);
    }

    @AfterEach
    void tearDown() {
        mirror.close();
        access.close();
        fleet.close();
    }

    @Test
    void aFirstFetchWithoutBaselineBringsTheHeadAlone() throws Exception {
        List<String> commits = push(5);

        Map<String, ObjectId> fetched = mirror.fetch(origin(), List.of("main"), Optional.empty());

        assertThat(fetched).containsEntry("main", id(commits.get(4)));
        assertThat(mirror.isComplete(id(commits.get(4)))).isTrue();
        assertThat(present(commits)).containsExactly(commits.get(4));
    }

    @Test
    void aFirstFetchDeepensUntilTheWholePathFromTheBaselineIsHere() throws Exception {
        List<String> commits = push(20);
        String baseline = commits.get(12);

        mirror.fetch(origin(), List.of("main"), Optional.of(id(baseline)));

        // Everything from the baseline to the head, with real parents: git's own walk agrees.
        assertThat(present(commits)).containsAll(commits.subList(12, 20));
        assertThat(git("rev-list", "--count", baseline + "..main")).isEqualTo("7");
        assertThat(History.descendsFrom(mirror.repository(), id(commits.get(19)), id(baseline))).isTrue();
        assertThat(firstParentPath(id(baseline), id(commits.get(19))))
                .containsExactlyElementsOf(commits.subList(13, 20));
        // Depths 1, 2, 4, 8: the last reaches the baseline exactly, and nothing older is fetched.
        assertThat(present(commits)).doesNotContain(commits.get(11));
    }

    @Test
    void aBaselineTheRemoteDoesNotHaveEndsWithTheWholeHistoryAndNoShallowCommits() throws Exception {
        List<String> commits = push(3);
        ObjectId foreign = ObjectId.fromString("0123456789012345678901234567890123456789");

        mirror.fetch(origin(), List.of("main"), Optional.of(foreign));

        assertThat(present(commits)).containsExactlyElementsOf(commits);
        assertThat(mirror.repository().getObjectDatabase().getShallowCommits()).isEmpty();
        assertThat(mirror.hasCommit(foreign)).isFalse();
    }

    @Test
    void anUpdateAfterAShallowFirstFetchBringsEveryNewCommitWithItsParents() throws Exception {
        List<String> first = push(3);
        mirror.fetch(origin(), List.of("main"), Optional.empty());
        List<String> next = push(4);

        mirror.fetch(origin(), List.of("main"), Optional.of(id(first.get(2))));

        assertThat(firstParentPath(id(first.get(2)), id(next.get(3)))).containsExactlyElementsOf(next);
        assertThat(present(first)).containsExactly(first.get(2));
    }

    @Test
    void aBaselineBelowAShallowCutFetchesTheRestOfTheHistory() throws Exception {
        List<String> commits = push(6);
        mirror.fetch(origin(), List.of("main"), Optional.empty());
        // The state was lost and the running system names an older commit: the clone must reach it.
        push(1);

        mirror.fetch(origin(), List.of("main"), Optional.of(id(commits.get(1))));

        assertThat(present(commits)).containsExactlyElementsOf(commits);
        assertThat(History.descendsFrom(mirror.repository(), id(fleet.work().head()), id(commits.get(1)))).isTrue();
    }

    private List<String> push(int count) {
        List<String> commits = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            fleet.work().writeFile("file.txt", "revision " + i + " " + System.nanoTime() + "\n");
            commits.add(fleet.work().commitUnsigned("commit " + i));
        }
        fleet.work().push(fleet.remote());
        return commits;
    }

    /** Those of the commits the local clone holds, in the order given. */
    /** The first-parent chain after {@code baseline} up to {@code head}, oldest first, as the mirror's own walk sees it. */
    private List<String> firstParentPath(ObjectId baseline, ObjectId head) throws IOException {
        try (RevWalk walk = new RevWalk(mirror.repository())) {
            walk.setFirstParent(true);
            walk.markStart(walk.parseCommit(head));
            walk.markUninteresting(walk.parseCommit(baseline));
            List<String> path = new ArrayList<>();
            walk.forEach(commit -> path.add(0, commit.name()));
            return path;
        }
    }

    private List<String> present(List<String> commits) throws IOException {
        List<String> present = new ArrayList<>();
        for (String commit : commits) {
            if (mirror.repository().getObjectDatabase().has(id(commit))) {
                present.add(commit);
            }
        }
        return present;
    }

    private String git(String... args) {
        List<String> command = new ArrayList<>(List.of("git", "--git-dir", mirror.directory().toString()));
        command.addAll(List.of(args));
        return CommandLine.of(command).env("GIT_CONFIG_GLOBAL", "/dev/null").env("GIT_CONFIG_NOSYSTEM", "1").runChecked().stdout().strip();
    }

    private Remote origin() {
        return Remote.parse("origin", fleet.server().url(Fleet.REPO).toString(), "gitops.repository.url");
    }

    private static ObjectId id(String commit) {
        return ObjectId.fromString(commit);
    }
}
