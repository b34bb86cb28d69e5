package dev.gitopsagent.git;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;

import org.eclipse.jgit.errors.CorruptObjectException;
import org.eclipse.jgit.internal.storage.dfs.DfsRepositoryDescription;
import org.eclipse.jgit.internal.storage.dfs.InMemoryRepository;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectChecker;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.ObjectReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The first sync's one-pass tree check ({@link PlainTree}, inside {@link LinkRecordingChecker}): it must
 * never let through a tree JGit's checker refuses, must note every entry's id as the second pass did,
 * and must actually take the trees repositories are made of (else it saves nothing).
 */
class PlainTreeTest {

    private static final byte[] ZERO = new byte[Constants.OBJECT_ID_LENGTH];

    record Entry(String mode, byte[] name, byte[] id) {
        static Entry of(String mode, String name) {
            return new Entry(mode, name.getBytes(StandardCharsets.UTF_8), idOf(mode + name));
        }

        ObjectId objectId() {
            return ObjectId.fromRaw(id);
        }
    }

    static Stream<Arguments> treesJGitRefuses() {
        return Stream.of(
                Arguments.of("a name '.'", List.of(Entry.of("100644", "."))),
                Arguments.of("a name '..'", List.of(Entry.of("40000", ".."))),
                Arguments.of("a name '.git'", List.of(Entry.of("40000", ".git"))),
                Arguments.of("a name '.GiT'", List.of(Entry.of("100644", ".GiT"))),
                Arguments.of("a name '.git.'", List.of(Entry.of("40000", ".git."))),
                Arguments.of("a name '.git '", List.of(Entry.of("40000", ".git "))),
                Arguments.of("a name '.git . '", List.of(Entry.of("40000", ".git . "))),
                Arguments.of("a name 'GIT~1'", List.of(Entry.of("40000", "GIT~1"))),
                Arguments.of("a name 'git~1'", List.of(Entry.of("100644", "git~1"))),
                Arguments.of("an empty name", List.of(Entry.of("100644", ""))),
                Arguments.of("a name with '/'", List.of(Entry.of("100644", "a/b"))),
                Arguments.of("a zero-padded mode", List.of(Entry.of("040000", "dir"))),
                Arguments.of("a mode that is no object type", List.of(Entry.of("110644", "file"))),
                Arguments.of("a mode with a digit past 7", List.of(Entry.of("100648", "file"))),
                Arguments.of("entries out of order", List.of(Entry.of("100644", "b"), Entry.of("100644", "a"))),
                Arguments.of("a tree sorted as if it were a file", List.of(Entry.of("40000", "a"), Entry.of("100644", "a.c"))),
                Arguments.of("the same file twice", List.of(Entry.of("100644", "a"), Entry.of("100644", "a"))),
                Arguments.of("the same tree twice", List.of(Entry.of("40000", "a"), Entry.of("40000", "a"))),
                Arguments.of("the same gitlink twice", List.of(Entry.of("160000", "a"), Entry.of("160000", "a"))),
                Arguments.of("a file and a tree of one name, side by side", List.of(Entry.of("100644", "a"), Entry.of("40000", "a"))),
                Arguments.of("a file and a tree of one name, apart", List.of(Entry.of("100644", "a"), Entry.of("100644", "a-b"),
                        Entry.of("100644", "a.c"), Entry.of("40000", "a"))),
                Arguments.of("an all-zero id", List.of(new Entry("100644", "file".getBytes(StandardCharsets.UTF_8), ZERO))),
                Arguments.of("a gitlink with an all-zero id", List.of(new Entry("160000", "sub".getBytes(StandardCharsets.UTF_8), ZERO))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("treesJGitRefuses")
    void refusesWhatJGitRefusesWithJGitsMessage(String what, List<Entry> entries) {
        byte[] raw = tree(entries);

        Optional<String> jgit = verdict(new ObjectChecker(), raw);
        assertThat(jgit).as("JGit refuses %s", what).isPresent();
        assertThat(verdict(new LinkRecordingChecker(), raw)).isEqualTo(jgit);
    }

    @Test
    void refusesEveryCutOfAPlainTreeAsJGitDoes() {
        byte[] whole = tree(List.of(Entry.of("100644", "README"), Entry.of("40000", "lib"), Entry.of("160000", "vendor")));
        for (int length = 1; length < whole.length; length++) {
            byte[] cut = java.util.Arrays.copyOf(whole, length);
            assertThat(verdict(new LinkRecordingChecker(), cut)).as("cut at %d", length).isEqualTo(verdict(new ObjectChecker(), cut));
        }
    }

    static Stream<Arguments> unusualTreesJGitTakes() {
        return Stream.of(
                Arguments.of("a .gitignore, .github and .gitmodules", List.of(Entry.of("40000", ".github"), Entry.of("100644", ".gitignore"),
                        Entry.of("100644", ".gitmodules"))),
                Arguments.of("a name '.git..' (two dots and no space: not git's '.git')", List.of(Entry.of("40000", ".git.."))),
                Arguments.of("a mode git no longer writes (100664)", List.of(Entry.of("100664", "file"))),
                Arguments.of("a file and a longer name that sorts before its tree", List.of(Entry.of("100644", "a"), Entry.of("100644", "a-b"))),
                Arguments.of("a tree and a file that starts with its name", List.of(Entry.of("100644", "a.c"), Entry.of("40000", "a"))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("unusualTreesJGitTakes")
    void takesWhatJGitTakesAndNotesEveryLink(String what, List<Entry> entries) throws Exception {
        byte[] raw = tree(entries);
        assertThat(verdict(new ObjectChecker(), raw)).as("JGit takes %s", what).isEmpty();

        LinkRecordingChecker checker = new LinkRecordingChecker();
        assertThat(verdict(checker, raw)).isEmpty();
        assertNotedExactly(checker, linked(entries));
    }

    @Test
    void takesAPlainTreeInOnePassNotingEveryIdButAGitlinks() throws Exception {
        List<Entry> entries = List.of(Entry.of("100644", "README"), Entry.of("100755", "build.sh"), Entry.of("120000", "current"),
                Entry.of("100644", "hosts.nix"), Entry.of("40000", "hosts"), Entry.of("160000", "vendor"), Entry.of("100644", "\u00e9t\u00e9"));
        LinkRecordingChecker checker = new LinkRecordingChecker();

        assertThat(PlainTree.check(tree(entries), checker)).isTrue();
        assertNotedExactly(checker, linked(entries));
        assertThat(PlainTree.check(new byte[0], new LinkRecordingChecker())).as("the empty tree").isTrue();
    }

    @Test
    void leavesTreesToJGitWhenWindowsOrMacNamesAreChecked() {
        byte[] raw = tree(List.of(Entry.of("100644", "aux"), Entry.of("100644", "git\u200c")));

        assertThat(verdict(new LinkRecordingChecker().setSafeForWindows(true), raw)).isEqualTo(verdict(new ObjectChecker().setSafeForWindows(true), raw))
                .isPresent();
        byte[] hfs = tree(List.of(Entry.of("40000", ".g\u200cit")));
        assertThat(verdict(new LinkRecordingChecker().setSafeForMacOS(true), hfs)).isEqualTo(verdict(new ObjectChecker().setSafeForMacOS(true), hfs))
                .isPresent();
    }

    /**
     * Random trees from names and modes chosen to collide with JGit's rules (and some plain ones), in
     * sorted and shuffled order: the verdict and message are JGit's every time, and a tree that passes
     * has every link noted.
     */
    @Test
    void agreesWithJGitOnRandomTreesOfAwkwardNames() throws Exception {
        List<String> names = List.of("a", "a", "a", "a-b", "a.c", "a b", "a0", "a/", "ab", "b", ".", "..", ".git", ".GIT", ".git.", ".git..", ".git .",
                ".gitignore", ".gitmodules", ".GITMODULES", "git~1", "Git~1", "git~2", "", "\u00e9", "z", "\u00ff", "a\u0001");
        List<String> modes = List.of("100644", "100755", "120000", "160000", "40000", "040000", "100664", "100000", "1", "644", "170000");
        Random random = new Random(2026);
        int taken = 0;
        for (int i = 0; i < 20_000; i++) {
            List<Entry> entries = new ArrayList<>();
            int size = 1 + random.nextInt(5);
            for (int e = 0; e < size; e++) {
                String mode = random.nextInt(4) == 0 ? modes.get(random.nextInt(modes.size())) : modes.get(random.nextInt(5));
                Entry entry = Entry.of(mode, names.get(random.nextInt(names.size())));
                entries.add(random.nextInt(50) == 0 ? new Entry(entry.mode(), entry.name(), ZERO) : entry);
            }
            if (random.nextBoolean()) {
                entries.sort(PlainTreeTest::gitOrder);
            }
            byte[] raw = tree(entries);
            LinkRecordingChecker checker = new LinkRecordingChecker();
            Optional<String> verdict = verdict(checker, raw);
            assertThat(verdict).as("tree %d: %s", i, entries).isEqualTo(verdict(new ObjectChecker(), raw));
            if (verdict.isEmpty()) {
                taken++;
                assertNotedExactly(checker, linked(entries));
            }
        }
        assertThat(taken).as("trees JGit takes among them").isGreaterThan(2_000);
    }

    private static Optional<String> verdict(ObjectChecker checker, byte[] raw) {
        try {
            checker.check(idOfTree(raw), Constants.OBJ_TREE, raw);
            return Optional.empty();
        } catch (CorruptObjectException e) {
            return Optional.of(e.getMessage());
        }
    }

    /** The ids the checker noted are exactly these: none missing from a clone that holds only them, each one missing without it. */
    private static void assertNotedExactly(LinkRecordingChecker checker, Set<ObjectId> expected) throws Exception {
        try (InMemoryRepository empty = new InMemoryRepository(new DfsRepositoryDescription("empty")); ObjectReader reader = empty.newObjectReader()) {
            assertThat(checker.firstMissing(reader, expected)).isEmpty();
            for (ObjectId id : expected) {
                Set<ObjectId> allBut = new HashSet<>(expected);
                allBut.remove(id);
                assertThat(checker.firstMissing(reader, allBut)).contains(id);
            }
        }
    }

    private static Set<ObjectId> linked(List<Entry> entries) {
        Set<ObjectId> ids = new HashSet<>();
        entries.stream().filter(e -> !e.mode().equals("160000")).forEach(e -> ids.add(e.objectId()));
        return ids;
    }

    /** Git's order: byte by byte, a tree's name as if it ended in '/'. */
    private static int gitOrder(Entry a, Entry b) {
        byte[] x = sortKey(a);
        byte[] y = sortKey(b);
        return java.util.Arrays.compareUnsigned(x, y);
    }

    private static byte[] sortKey(Entry entry) {
        boolean tree = entry.mode().equals("40000") || entry.mode().equals("040000");
        byte[] key = java.util.Arrays.copyOf(entry.name(), entry.name().length + 1);
        key[entry.name().length] = (byte) (tree ? '/' : 0);
        return key;
    }

    private static byte[] tree(List<Entry> entries) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Entry entry : entries) {
            out.writeBytes((entry.mode() + " ").getBytes(StandardCharsets.US_ASCII));
            out.writeBytes(entry.name());
            out.write(0);
            out.writeBytes(entry.id());
        }
        return out.toByteArray();
    }

    private static byte[] idOf(String seed) {
        byte[] id = new byte[Constants.OBJECT_ID_LENGTH];
        idOfBlob(seed).copyRawTo(id, 0);
        return id;
    }

    private static ObjectId idOfBlob(String content) {
        try (ObjectInserter.Formatter formatter = new ObjectInserter.Formatter()) {
            return formatter.idFor(Constants.OBJ_BLOB, content.getBytes(StandardCharsets.UTF_8));
        }
    }

    private static ObjectId idOfTree(byte[] raw) {
        try (ObjectInserter.Formatter formatter = new ObjectInserter.Formatter()) {
            return formatter.idFor(Constants.OBJ_TREE, raw);
        }
    }
}
