package dev.gitopsagent.git;

import static dev.gitopsagent.git.FirstPackParserTest.COPY;
import static dev.gitopsagent.git.FirstPackParserTest.HELD_LIMIT;
import static dev.gitopsagent.git.FirstPackParserTest.copiesOfItsBase;
import static dev.gitopsagent.git.FirstPackParserTest.idOf;
import static dev.gitopsagent.git.FirstPackParserTest.noise;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;

import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.NullProgressMonitor;
import org.eclipse.jgit.lib.ObjectChecker;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.transport.PackParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.gitopsagent.git.FirstPackParserTest.Delta;
import dev.gitopsagent.git.FirstPackParserTest.HandPack;
import dev.gitopsagent.git.FirstPackParserTest.OverTheLimit;

/**
 * A fetch into a clone that already holds objects goes to JGit's parser, which holds whatever a pack declares:
 * the pack is scanned first ({@link PackSpool}), so the held-object limit bounds it as it bounds a first fetch.
 */
class PackSpoolTest {

    /** A blob the clone holds already: a later fetch's delta may name it as its base. */
    private static final byte[] STORED = noise(HELD_LIMIT + 1, 9);

    @TempDir
    Path root;

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.gitopsagent.git.FirstPackParserTest#overTheHeldLimit")
    void refusesWhatTheFirstFetchRefusesBeforeJGitsParserReadsAByte(String name, Supplier<OverTheLimit> made) throws Exception {
        OverTheLimit over = made.get();
        try (BoundedRepository repository = cloneHoldingABigBlob()) {
            assertRefused(repository, over.pack(), over.object());
        }
    }

    static Stream<Arguments> deltasOnBlobsTheCloneHolds() {
        ObjectId stored = idOf(Constants.OBJ_BLOB, STORED);
        return Stream.of(
                Arguments.of("a reference delta on a blob over the limit in the clone, stating its size", (Supplier<byte[]>) () -> {
                    HandPack pack = new HandPack();
                    pack.refDelta(stored, new Delta(STORED.length, 100).copy(0, 100).bytes());
                    return pack.bytes();
                }, "a delta at offset 12 of the pack whose base is " + STORED.length + " bytes"),
                // JGit's parser would load the stored blob whole before it found the stated size wrong.
                Arguments.of("a reference delta on a blob over the limit in the clone, misstating its size", (Supplier<byte[]>) () -> {
                    HandPack pack = new HandPack();
                    pack.refDelta(stored, new Delta(100, 100).copy(0, 100).bytes());
                    return pack.bytes();
                }, "a delta on " + stored.name() + ", an object of " + STORED.length + " bytes in the clone"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("deltasOnBlobsTheCloneHolds")
    void refusesADeltaOnABlobOverTheLimitThatTheCloneHolds(String name, Supplier<byte[]> pack, String object) throws Exception {
        try (BoundedRepository repository = cloneHoldingABigBlob()) {
            assertRefused(repository, pack.get(), object);
        }
    }

    @Test
    void acceptsAWholeBlobOfAnySizeAndADeltaMakingExactlyTheLimit() throws Exception {
        byte[] big = noise(4 * HELD_LIMIT, 5);
        byte[] base = noise(COPY, 3);
        HandPack pack = new HandPack().whole(Constants.OBJ_BLOB, big);
        long baseOffset = pack.next();
        pack.whole(Constants.OBJ_BLOB, base);
        pack.ofsDelta(baseOffset, copiesOfItsBase(HELD_LIMIT / COPY, "").bytes());
        byte[] made = new byte[HELD_LIMIT];
        for (int at = 0; at < made.length; at += COPY) {
            System.arraycopy(base, 0, made, at, COPY);
        }
        try (BoundedRepository repository = cloneHoldingABigBlob()) {
            parse(repository, pack.bytes());
            try (ObjectReader reader = repository.newObjectReader()) {
                assertThat(reader.has(idOf(Constants.OBJ_BLOB, big))).isTrue();
                assertThat(reader.open(idOf(Constants.OBJ_BLOB, made)).getSize()).isEqualTo(HELD_LIMIT);
            }
            assertThat(leftovers(repository)).isEmpty();
        }
    }

    // ------------------------------------------------------------- what JGit's parser holds at once

    /**
     * A whole blob of 64 KiB, then {@code levels} deltas each on the one before and each making exactly the limit;
     * with {@code bushy}, every base of the chain has a second, small delta on it, which JGit's walk resolves after
     * the chain below, so it keeps each such base while it goes down.
     */
    static byte[] chain(int levels, boolean bushy, long limit) {
        HandPack pack = new HandPack().whole(Constants.OBJ_BLOB, noise(COPY, 3));
        long base = 12;
        long baseSize = COPY;
        for (int level = 0; level < levels; level++) {
            Delta delta = new Delta(baseSize, limit);
            for (int copy = 0; copy < limit / COPY; copy++) {
                delta.copy(0, COPY);
            }
            long next = pack.ofsDelta(base, delta.bytes());
            if (bushy) {
                pack.ofsDelta(base, new Delta(baseSize, 1).insert("!").bytes());
            }
            base = next;
            baseSize = limit;
        }
        return pack.bytes();
    }

    static Stream<Arguments> withinWhatJGitMayHoldAtOnce() {
        return Stream.of(
                Arguments.of("a chain of eight deltas each making the limit", (Supplier<byte[]>) () -> chain(8, false, HELD_LIMIT)),
                Arguments.of("two levels of deltas each making the limit, each base with a second delta on it",
                        (Supplier<byte[]>) () -> chain(2, true, HELD_LIMIT)),
                Arguments.of("a base with eight deltas on it, each making the limit", (Supplier<byte[]>) () -> {
                    HandPack pack = new HandPack().whole(Constants.OBJ_BLOB, noise(COPY, 3));
                    for (int i = 0; i < 8; i++) {
                        pack.ofsDelta(12, copiesOfItsBase(HELD_LIMIT / COPY, "").bytes());
                    }
                    return pack.bytes();
                }));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("withinWhatJGitMayHoldAtOnce")
    void indexesDeltasThatHoldAtMostFourObjectsAtTheLimitAtOnce(String name, Supplier<byte[]> pack) throws Exception {
        try (BoundedRepository repository = cloneHoldingABigBlob()) {
            parse(repository, pack.get());
            assertThat(leftovers(repository)).isEmpty();
        }
    }

    @Test
    void refusesDeltasThatWouldMakeJGitsParserHoldMoreThanFourObjectsAtTheLimitAtOnce() throws Exception {
        // At the fourth level: its instructions, what it makes and its base, and three bases above, each waiting for its small delta.
        try (BoundedRepository repository = cloneHoldingABigBlob()) {
            List<Path> before = packFiles(repository);
            assertThatThrownBy(() -> parse(repository, chain(4, true, HELD_LIMIT)))
                    .isInstanceOfSatisfying(FetchRefusedException.class,
                            refused -> assertThat(refused.reason()).isEqualTo(FetchRefusedException.Reason.HELD_TOO_LARGE))
                    .hasMessageStartingWith("the remote sent a pack whose deltas would be resolved holding ")
                    .hasMessageContaining("bytes at once (at the delta at offset ")
                    .hasMessageContaining("the " + HELD_LIMIT + " it makes, its base of " + HELD_LIMIT + " and " + (2 * HELD_LIMIT + COPY)
                            + " of bases that other deltas wait for), more than 4 objects of the " + HELD_LIMIT + " bytes set by "
                            + FetchBounds.MAX_OBJECT_BYTES_KEY);
            assertThat(packFiles(repository)).isEqualTo(before);
        }
    }

    @Test
    void countsEveryObjectItMayHoldWhenAReferenceDeltaHasItsBaseInThePack() throws Exception {
        // Where JGit's walk puts a delta whose base is known by id only is not known before it resolves that base.
        byte[] base = noise(COPY, 3);
        HandPack pack = new HandPack().whole(Constants.OBJ_BLOB, base);
        pack.refDelta(idOf(Constants.OBJ_BLOB, base), copiesOfItsBase(HELD_LIMIT / COPY, "").bytes());
        for (int i = 0; i < 4; i++) {
            pack.ofsDelta(12, copiesOfItsBase(HELD_LIMIT / COPY, "").bytes());
        }
        try (BoundedRepository repository = cloneHoldingABigBlob()) {
            assertThatThrownBy(() -> parse(repository, pack.bytes()))
                    .isInstanceOfSatisfying(FetchRefusedException.class,
                            refused -> assertThat(refused.reason()).isEqualTo(FetchRefusedException.Reason.HELD_TOO_LARGE))
                    .hasMessageContaining("(every object it may hold, since a reference delta's base in the pack is known only by id)");
        }
        // As offset deltas, more of them are indexed ("a base with eight deltas on it" above).
    }

    @Test
    void removesItsFileWhenTheHeapRunsOutDuringTheScan() throws Exception {
        // The error a fetch's mirror turns into a heap-too-small refusal: the spool must not stay behind it.
        byte[] pack = new HandPack().whole(Constants.OBJ_BLOB, noise(COPY, 1)).whole(Constants.OBJ_BLOB, noise(COPY, 2)).bytes();
        OutOfMemoryError exhausted = new OutOfMemoryError("Java heap space");
        try (BoundedRepository repository = cloneHoldingABigBlob(); ObjectReader clone = repository.newObjectReader()) {
            List<Path> before = packFiles(repository);
            ByteArrayInputStream stream = new ByteArrayInputStream(pack) {
                @Override
                public synchronized int read(byte[] buffer, int offset, int length) {
                    if (pos > COPY) {
                        throw exhausted;
                    }
                    return super.read(buffer, offset, Math.min(length, 4096));
                }
            };

            assertThatThrownBy(() -> PackSpool.checked(stream, repository.getObjectDatabase().getPackDirectory().toPath(), clone,
                    new HeldObjectLimit(HELD_LIMIT))).isSameAs(exhausted);
            assertThat(packFiles(repository)).isEqualTo(before);
        }
    }

    private static void assertRefused(BoundedRepository repository, byte[] pack, String object) throws IOException {
        List<Path> before = packFiles(repository);
        assertThatThrownBy(() -> parse(repository, pack))
                .isInstanceOfSatisfying(FetchRefusedException.class,
                        refused -> assertThat(refused.reason()).isEqualTo(FetchRefusedException.Reason.OBJECT_TOO_LARGE))
                .hasMessageStartingWith("the remote sent " + object + ", more than " + HELD_LIMIT + " bytes, the limit set by "
                        + FetchBounds.MAX_OBJECT_BYTES_KEY + " ");
        assertThat(packFiles(repository)).isEqualTo(before);
    }

    /** As a fetch connection parses a pack: a parser for the stream, then the parse. */
    private static void parse(BoundedRepository repository, byte[] pack) throws IOException {
        try (ObjectInserter inserter = repository.newObjectInserter()) {
            PackParser parser = inserter.newPackParser(new ByteArrayInputStream(pack));
            assertThat(parser).isNotInstanceOf(FirstPackParser.class);
            parser.setAllowThin(true);
            parser.setObjectChecker(new ObjectChecker());
            parser.parse(NullProgressMonitor.INSTANCE);
            inserter.flush();
        }
    }

    private BoundedRepository cloneHoldingABigBlob() throws IOException {
        BoundedRepository repository = BoundedRepository.open(new FileRepositoryBuilder().setGitDir(root.resolve("clone.git").toFile()),
                new FetchBounds(1L << 30, 1_000_000, HELD_LIMIT));
        repository.create(true);
        try (ObjectInserter inserter = repository.newObjectInserter()) {
            inserter.insert(Constants.OBJ_BLOB, STORED);
            inserter.flush();
        }
        assertThat(repository.holdsNoObjects()).isFalse();
        return repository;
    }

    private static List<Path> packFiles(BoundedRepository repository) throws IOException {
        Path packs = repository.getObjectDatabase().getPackDirectory().toPath();
        if (!Files.isDirectory(packs)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(packs)) {
            return files.sorted().toList();
        }
    }

    private static List<Path> leftovers(BoundedRepository repository) throws IOException {
        return packFiles(repository).stream().filter(file -> file.getFileName().toString().startsWith("incoming_")).toList();
    }
}
