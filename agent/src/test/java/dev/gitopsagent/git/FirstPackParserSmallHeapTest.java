package dev.gitopsagent.git;

import static dev.gitopsagent.git.FirstPackParserTest.COPY;
import static dev.gitopsagent.git.FirstPackParserTest.commitOf;
import static dev.gitopsagent.git.FirstPackParserTest.copiesOfItsBase;
import static dev.gitopsagent.git.FirstPackParserTest.noise;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.Deflater;

import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.NullProgressMonitor;
import org.eclipse.jgit.lib.ObjectChecker;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.transport.PackParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.gitopsagent.config.AgentConfig;
import dev.gitopsagent.testing.JvmDropIn;
import io.smallrye.config.WithDefault;

/**
 * The parser of a first fetch ({@link FirstPackParser}) in the heap the agent runs a first fetch with
 * (64 MiB, with the collector and options of the JVM unit), with the default limit on an object it holds whole: a size a few bytes of the
 * pack declare is not memory the parser reserves before the data bears it out, an object the pack
 * really makes over the limit is refused before it is held, and one at the limit fits. A later fetch,
 * which JGit's parser indexes after {@link PackSpool}'s scan, is refused the same way. Each pack is
 * parsed in a JVM of its own with that heap.
 */
class FirstPackParserSmallHeapTest {

    private static final int GIB = 1 << 30;
    /** The default of {@value FetchBounds#MAX_OBJECT_BYTES_KEY}, as the configuration declares it. */
    private static final long DEFAULT_LIMIT = defaultLimit();
    /**
     * The heap and collector options of the JVM unit (systemd/jvm/20-jvm.conf): the heap's size is not all that matters,
     * since whether an object of 8 MiB finds room beside the pack's tables depends on the collector too.
     */
    static final List<String> HEAP_OPTIONS = heapOptionsOfTheUnit();
    private static final String FIRST = "first";
    private static final String LATER = "later";

    @TempDir
    Path root;

    @Test
    void refusesAWholeObjectDeclaringAGibibyteItDoesNotHoldWithoutReservingIt() throws Exception {
        byte[] commit = "tree 0\n".getBytes(StandardCharsets.US_ASCII);
        byte[] pack = new FirstPackParserTest.HandPack().whole(Constants.OBJ_COMMIT, GIB, commit).bytes();

        assertThat(parseInSmallHeap(pack)).isEqualTo("refused: CorruptPackException: the object at offset 12 of the pack is malformed: "
                + "it inflates to " + commit.length + " bytes, not its declared " + GIB);
    }

    @Test
    void refusesADeltaDeclaringAGibibyteResultItsInstructionsDoNotMakeAtItsHeaderWithoutReservingIt() throws Exception {
        byte[] base = "a base of 24 bytes, sent\n".getBytes(StandardCharsets.US_ASCII);
        byte[] delta = new FirstPackParserTest.Delta(base.length, GIB).insert("small").bytes();
        FirstPackParserTest.HandPack pack = new FirstPackParserTest.HandPack().whole(Constants.OBJ_BLOB, base);
        long start = pack.ofsDelta(12, delta);

        assertThat(parseInSmallHeap(pack.bytes())).isEqualTo("refused: FetchRefusedException: the remote sent a delta at offset " + start
                + " of the pack that makes a blob of " + GIB + " bytes, more than " + DEFAULT_LIMIT + " bytes, the limit set by "
                + FetchBounds.MAX_OBJECT_BYTES_KEY + " on an object the agent holds whole to check it; nothing of it is kept");
    }

    @Test
    void refusesADeltaWhoseCopiesOfItsBaseReallyMakeAGibibyteNamingTheLimitInsteadOfRunningOutOfMemory() throws Exception {
        // 16,384 copies of a 64 KiB base: 32 KiB of instructions, a few hundred bytes compressed.
        FirstPackParserTest.HandPack pack = new FirstPackParserTest.HandPack().whole(Constants.OBJ_BLOB, noise(COPY, 7));
        long start = pack.ofsDelta(12, copiesOfItsBase(GIB / COPY, "").bytes());

        assertThat(parseInSmallHeap(pack.bytes())).isEqualTo("refused: FetchRefusedException: the remote sent a delta at offset " + start
                + " of the pack that makes a blob of " + GIB + " bytes, more than " + DEFAULT_LIMIT + " bytes, the limit set by "
                + FetchBounds.MAX_OBJECT_BYTES_KEY + " on an object the agent holds whole to check it; nothing of it is kept");
    }

    @Test
    void refusesACommitThatReallyInflatesToTheWholeHeapNamingTheLimitInsteadOfRunningOutOfMemory() throws Exception {
        int size = 64 << 20;
        byte[] pack = new FirstPackParserTest.HandPack().whole(Constants.OBJ_COMMIT, commitOf(size)).bytes();

        assertThat(parseInSmallHeap(pack)).isEqualTo("refused: FetchRefusedException: the remote sent a commit of " + size
                + " bytes at offset 12 of the pack, more than " + DEFAULT_LIMIT + " bytes, the limit set by "
                + FetchBounds.MAX_OBJECT_BYTES_KEY + " on an object the agent holds whole to check it; nothing of it is kept");
    }

    @Test
    void acceptsADeltaOnADeltaEachMakingExactlyTheDefaultLimit() throws Exception {
        // Resolving the second holds both, the most one delta holds at the limit.
        int copies = (int) (DEFAULT_LIMIT / COPY);
        FirstPackParserTest.HandPack pack = new FirstPackParserTest.HandPack().whole(Constants.OBJ_BLOB, noise(COPY, 7));
        long first = pack.ofsDelta(12, copiesOfItsBase(copies, "").bytes());
        // One byte, then all but one byte of the first again: another blob of the same size.
        FirstPackParserTest.Delta second = new FirstPackParserTest.Delta(DEFAULT_LIMIT, DEFAULT_LIMIT).insert("!");
        for (int i = 1; i < copies; i++) {
            second.copy(0, COPY);
        }
        second.copy(0, COPY - 1);
        pack.ofsDelta(first, second.bytes());

        assertThat(parseInSmallHeap(pack.bytes())).isEqualTo("accepted");
    }

    @Test
    void aFirstFetchResolvesDeltasThatTwoThreadsCouldNotHoldSideBySideOnOneThread() throws Exception {
        // Three levels, two deltas on each base, each making the default limit: one thread holds three objects at the limit
        // at most; the two threads the parser used on every core ran the heap out of memory.
        assertThat(parseInSmallHeap(tree(3))).isEqualTo("accepted");
    }

    @Test
    void aFirstFetchRefusesDeltasThatOneThreadWouldResolveHoldingMoreThanFourObjectsAtTheLimit() throws Exception {
        // One level more: resolving a delta at the fourth level holds it, its base, and two bases above waiting for their
        // second delta (the parser used to run the heap out of memory on it).
        assertThat(parseInSmallHeap(tree(4))).startsWith("refused: FetchRefusedException: the remote sent a pack whose deltas would be"
                + " resolved holding " + (4 * DEFAULT_LIMIT + COPY + atTheLimit(DEFAULT_LIMIT, 0).bytes().length)
                + " bytes at once (at the delta at offset ");
    }

    @Test
    void aFirstFetchResolvesTheSmallDeltasOnABaseFirstSoThatItIsNotHeldBelowTheBigOne() throws Exception {
        // Six levels of deltas making the default limit, each base with a small second delta: JGit's order could keep all six
        // bases (a later fetch refuses such a pack); resolving the small one first holds two objects at the limit at most.
        assertThat(parseInSmallHeap(bushyChain(6))).isEqualTo("accepted");
    }

    @ParameterizedTest(name = "{0} fetch")
    @ValueSource(strings = {FIRST, LATER})
    void refusesAMillionSmallBlobsAsMoreThanTheHeapCanIndexInsteadOfRunningOutOfMemory(String fetch) throws Exception {
        // Within the default max-objects, 16 MB of pack: both parsers' tables ran the 64 MiB heap out of memory on it.
        assertThat(parseInSmallHeap(smallBlobs(1_000_000), fetch)).startsWith("refused: FetchRefusedException: the remote announced"
                + " 1000000 objects in one fetch, more than the ").contains("MiB could index at all", "raise the JVM's -Xmx");
    }

    // A later fetch, into a clone that holds objects, is indexed by JGit's parser, after PackSpool's scan.

    @Test
    void aLaterFetchRefusesAWholeObjectDeclaringAGibibyteBeforeJGitsParserReservesIt() throws Exception {
        byte[] commit = "tree 0\n".getBytes(StandardCharsets.US_ASCII);
        byte[] pack = new FirstPackParserTest.HandPack().whole(Constants.OBJ_COMMIT, GIB, commit).bytes();

        assertThat(parseInSmallHeap(pack, LATER)).isEqualTo("refused: CorruptPackException: the object at offset 12 of the pack is malformed: "
                + "it inflates to " + commit.length + " bytes, not its declared " + GIB);
    }

    @Test
    void aLaterFetchRefusesADeltaWhoseCopiesOfItsBaseReallyMakeAGibibyteNamingTheLimit() throws Exception {
        FirstPackParserTest.HandPack pack = new FirstPackParserTest.HandPack().whole(Constants.OBJ_BLOB, noise(COPY, 7));
        long start = pack.ofsDelta(12, copiesOfItsBase(GIB / COPY, "").bytes());

        assertThat(parseInSmallHeap(pack.bytes(), LATER)).isEqualTo("refused: FetchRefusedException: the remote sent a delta at offset "
                + start + " of the pack that makes a blob of " + GIB + " bytes, more than " + DEFAULT_LIMIT + " bytes, the limit set by "
                + FetchBounds.MAX_OBJECT_BYTES_KEY + " on an object the agent holds whole to check it; nothing of it is kept");
    }

    @Test
    void aLaterFetchRefusesDeltasThatWouldMakeJGitsParserHoldTheHeapAtOnce() throws Exception {
        // Ten levels of deltas each making the default limit, each base with a second delta on it that JGit's walk
        // resolves after the chain below: it would keep every base of the chain, 80 MiB.
        byte[] pack = PackSpoolTest.chain(10, true, DEFAULT_LIMIT);

        assertThat(parseInSmallHeap(pack, LATER)).startsWith("refused: FetchRefusedException: the remote sent a pack whose deltas"
                + " would be resolved holding ");
    }

    /**
     * A blob, then {@code levels} levels of deltas making the default limit, two on each base: no delta follows its base
     * in the pack (each is after another blob), so none is resolved as the stream arrives, and all wait for the pool.
     */
    private static byte[] tree(int levels) {
        FirstPackParserTest.HandPack pack = new FirstPackParserTest.HandPack();
        List<Long> bases = List.of(rootWithDistance(pack));
        long baseSize = COPY;
        for (int level = 0; level < levels; level++) {
            List<Long> next = new ArrayList<>();
            for (long base : bases) {
                for (int delta = 0; delta < 2; delta++) {
                    next.add(pack.ofsDelta(base, atTheLimit(baseSize, level * 100 + next.size()).bytes()));
                    distance(pack);
                }
            }
            bases = next;
            baseSize = DEFAULT_LIMIT;
        }
        return pack.bytes();
    }

    /** A blob, then {@code levels} levels of a delta making the default limit, each base with a small delta on it before it. */
    private static byte[] bushyChain(int levels) {
        FirstPackParserTest.HandPack pack = new FirstPackParserTest.HandPack();
        long base = rootWithDistance(pack);
        long baseSize = COPY;
        for (int level = 0; level < levels; level++) {
            pack.ofsDelta(base, new FirstPackParserTest.Delta(baseSize, 2).insert("!" + level).bytes());
            distance(pack);
            base = pack.ofsDelta(base, atTheLimit(baseSize, level).bytes());
            distance(pack);
            baseSize = DEFAULT_LIMIT;
        }
        return pack.bytes();
    }

    /** A pack of {@code count} distinct blobs of a few bytes each ("0\n", "1\n", ...), one deflater for all. */
    private static byte[] smallBlobs(int count) {
        ByteArrayOutputStream pack = new ByteArrayOutputStream();
        pack.writeBytes(Constants.PACK_SIGNATURE);
        pack.writeBytes(new byte[] {0, 0, 0, 2, (byte) (count >>> 24), (byte) (count >>> 16), (byte) (count >>> 8), (byte) count});
        Deflater deflater = new Deflater();
        byte[] compressed = new byte[64];
        for (int i = 0; i < count; i++) {
            byte[] data = (i + "\n").getBytes(StandardCharsets.US_ASCII);
            // The entry header: type blob, and a size under 16 in its four low bits.
            pack.write((Constants.OBJ_BLOB << 4) | data.length);
            deflater.reset();
            deflater.setInput(data);
            deflater.finish();
            pack.write(compressed, 0, deflater.deflate(compressed));
        }
        deflater.end();
        pack.writeBytes(Constants.newMessageDigest().digest(pack.toByteArray()));
        return pack.toByteArray();
    }

    /** A 64 KiB blob, and enough after it that no delta finds it among the objects the parser resolved lately. */
    private static long rootWithDistance(FirstPackParserTest.HandPack pack) {
        long root = pack.next();
        pack.whole(Constants.OBJ_BLOB, noise(COPY, 3));
        for (int i = 0; i < ObjectResolver.RECENT_BYTES / COPY + 1; i++) {
            distance(pack);
        }
        return root;
    }

    /** A blob of 64 KiB of its own between two deltas. */
    private static void distance(FirstPackParserTest.HandPack pack) {
        pack.whole(Constants.OBJ_BLOB, noise(COPY, 1000 + pack.next()));
    }

    /** A delta making a blob of the default limit from a base of {@code baseSize}, told from the others by {@code mark}. */
    private static FirstPackParserTest.Delta atTheLimit(long baseSize, int mark) {
        String text = String.format("%03d", mark);
        FirstPackParserTest.Delta delta = new FirstPackParserTest.Delta(baseSize, DEFAULT_LIMIT).insert(text);
        long left = DEFAULT_LIMIT - text.length();
        while (left > 0) {
            delta.copy(0, (int) Math.min(COPY, left));
            left -= Math.min(COPY, left);
        }
        return delta;
    }

    private String parseInSmallHeap(byte[] pack) throws Exception {
        return parseInSmallHeap(pack, FIRST);
    }

    /**
     * Parses the pack in a JVM with a 64 MiB heap, into an empty clone ({@link #FIRST}) or one that holds an object
     * ({@link #LATER}); what came of it, one line.
     */
    private String parseInSmallHeap(byte[] pack, String fetch) throws Exception {
        Path run = Files.createTempDirectory(root, "run");
        Path packFile = Files.write(run.resolve("hostile.pack"), pack);
        Path output = run.resolve("out");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java));
        command.addAll(HEAP_OPTIONS);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Child.class.getName(), packFile.toString(),
                run.resolve("clone.git").toString(), Long.toString(DEFAULT_LIMIT), fetch));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
        // Only a guard against a parse that never ends; a refusal takes a second or two.
        if (!process.waitFor(2, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new AssertionError("the parse in a 64 MiB heap did not end within 2 minutes");
        }
        List<String> lines = Files.readAllLines(output);
        return lines.stream().filter(line -> line.startsWith("refused: ") || line.startsWith("accepted")).findFirst()
                .orElse(String.join("\n", lines));
    }

    private static List<String> heapOptionsOfTheUnit() {
        List<String> options = JvmDropIn.read(JvmDropIn.OF_THIS_TREE).options().stream()
                .filter(option -> option.startsWith("-Xm") || option.startsWith("-XX:+Use") || option.contains("HeapFreeRatio"))
                .toList();
        assertThat(options).contains("-Xmx64m", "-XX:+UseSerialGC");
        return options;
    }

    private static long defaultLimit() {
        try {
            return Long.parseLong(AgentConfig.Fetch.class.getMethod("maxObjectBytes").getAnnotation(WithDefault.class).value());
        } catch (NoSuchMethodException e) {
            throw new AssertionError(e);
        }
    }

    /** The child JVM: parses the pack file into a new clone (empty, or holding one blob for a later fetch), and prints what came of it. */
    static final class Child {

        public static void main(String[] args) throws Exception {
            try (BoundedRepository repository = BoundedRepository.open(new FileRepositoryBuilder().setGitDir(Path.of(args[1]).toFile()),
                    new FetchBounds(1L << 30, 1_000_000, Long.parseLong(args[2])))) {
                repository.create(true);
                if (LATER.equals(args[3])) {
                    try (ObjectInserter inserter = repository.newObjectInserter()) {
                        inserter.insert(Constants.OBJ_BLOB, "fetched before\n".getBytes(StandardCharsets.US_ASCII));
                        inserter.flush();
                    }
                }
                // Streamed from the file, as from a connection: the pack is not held in the heap beside what parsing it holds.
                try (ObjectInserter inserter = repository.newObjectInserter(); InputStream pack = Files.newInputStream(Path.of(args[0]))) {
                    PackParser parser = inserter.newPackParser(pack);
                    parser.setAllowThin(true);
                    parser.setObjectChecker(new ObjectChecker());
                    parser.parse(NullProgressMonitor.INSTANCE);
                    System.out.println("accepted");
                } catch (Throwable e) {
                    System.out.println("refused: " + e.getClass().getSimpleName() + ": " + e.getMessage());
                }
            }
            System.exit(0);
        }
    }
}
