package dev.gitopsagent.git;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import java.util.stream.Stream;
import java.util.zip.Deflater;

import org.eclipse.jgit.errors.CorruptObjectException;
import org.eclipse.jgit.internal.storage.file.PackIndex;
import org.eclipse.jgit.lib.AnyObjectId;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.NullProgressMonitor;
import org.eclipse.jgit.lib.ObjectChecker;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.ObjectLoader;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.transport.PackParser;
import org.eclipse.jgit.util.NB;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The parallel parser of a first fetch ({@link FirstPackParser}), on packs made by the real git: what
 * it accepts it installs exactly as {@code git index-pack} would index it, and what it refuses it
 * refuses naming the fault, leaving nothing in {@code objects/pack}.
 */
class FirstPackParserTest {

    private static final int FILES = 40;
    private static final int COMMITS = 150;
    private static final int BIG_FILE_BYTES = (5 << 20) / 2;
    private static final String[] DIRECTORIES = {"apps", "lib", "docs"};

    /** The source repository, made once by git, and the packs git makes of it. */
    @TempDir
    static Path shared;

    private static Path source;
    private static Path home;
    private static byte[] ofsPack;
    private static byte[] refPack;
    private static byte[] thinPack;
    /** Every object of the source history, as {@code git rev-list --objects --all} lists it. */
    private static List<ObjectId> allObjects;

    @TempDir
    Path root;

    @BeforeAll
    static void makeAHistoryWithGit() throws Exception {
        home = Files.createDirectories(shared.resolve("home"));
        source = shared.resolve("source.git");
        git(shared, null, "init", "-q", "--bare", "-b", "main", source.toString());
        git(source, fastImportStream(), "fast-import", "--quiet");
        // Deltas made by pack-objects itself, not the ones fast-import happened to store.
        git(source, null, "repack", "-a", "-d", "-f", "-q");
        ofsPack = git(source, new byte[0], "pack-objects", "--stdout", "--revs", "--all", "--delta-base-offset", "-q");
        refPack = git(source, new byte[0], "pack-objects", "--stdout", "--revs", "--all", "-q");
        String older = text(git(source, null, "rev-parse", "main~10")).strip();
        thinPack = git(source, ("main\n^" + older + "\n").getBytes(StandardCharsets.US_ASCII),
                "pack-objects", "--thin", "--stdout", "--revs", "-q");
        allObjects = text(git(source, null, "rev-list", "--objects", "--all")).lines()
                .map(line -> ObjectId.fromString(line.substring(0, Constants.OBJECT_ID_STRING_LENGTH))).toList();
    }

    // ---------------------------------------------------------------- what it accepts

    static Stream<Arguments> realPacks() {
        return Stream.of(
                Arguments.of("offset deltas (--delta-base-offset)", (Supplier<byte[]>) () -> ofsPack, Constants.OBJ_OFS_DELTA),
                Arguments.of("reference deltas", (Supplier<byte[]>) () -> refPack, Constants.OBJ_REF_DELTA));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("realPacks")
    void installsARealPackWithTheVeryIndexGitMakesOfIt(String name, Supplier<byte[]> made, int deltaKind) throws Exception {
        byte[] pack = made.get();
        Map<String, Integer> shape = shape(pack);
        // The pack exercises what it should: deltas of the one kind, of trees and of blobs, and a streamed blob.
        assertThat(shape).as("entries of the pack git made").containsKeys(kindName(deltaKind) + " of tree",
                kindName(deltaKind) + " of blob", "big whole blob").doesNotContainKey(
                kindName(deltaKind == Constants.OBJ_OFS_DELTA ? Constants.OBJ_REF_DELTA : Constants.OBJ_OFS_DELTA) + " of blob");
        assertThat(shape.get(kindName(deltaKind) + " of tree")).isGreaterThan(50);
        assertThat(shape.get(kindName(deltaKind) + " of blob")).isGreaterThan(200);

        Path clone = root.resolve("clone.git");
        try (BoundedRepository repository = openEmpty(clone)) {
            parse(repository, pack, new ObjectChecker());

            Path packDirectory = clone.resolve("objects/pack");
            String trailer = ObjectId.fromRaw(pack, pack.length - Constants.OBJECT_ID_LENGTH).name();
            assertThat(filesIn(packDirectory)).containsExactlyInAnyOrder("pack-" + trailer + ".pack", "pack-" + trailer + ".idx");
            Path installed = packDirectory.resolve("pack-" + trailer + ".pack");
            assertThat(Files.readAllBytes(installed)).isEqualTo(pack);
            Path gitsIndex = root.resolve("by-git.idx");
            git(root, null, "index-pack", "-o", gitsIndex.toString(), installed.toString());
            assertThat(Files.readAllBytes(packDirectory.resolve("pack-" + trailer + ".idx"))).isEqualTo(Files.readAllBytes(gitsIndex));

            git(clone, null, "fsck", "--full", "--strict");
            try (Repository original = new FileRepositoryBuilder().setGitDir(source.toFile()).setMustExist(true).build();
                    ObjectReader expected = original.newObjectReader(); ObjectReader actual = repository.newObjectReader()) {
                assertThat(allObjects).hasSizeGreaterThan(COMMITS * 4);
                for (ObjectId id : allObjects) {
                    ObjectLoader want = expected.open(id);
                    ObjectLoader got = actual.open(id);
                    assertThat(got.getType()).as(id.name()).isEqualTo(want.getType());
                    assertThat(got.getCachedBytes(Integer.MAX_VALUE)).as(id.name()).isEqualTo(want.getCachedBytes(Integer.MAX_VALUE));
                }
            }
        }
    }

    @Test
    void resolvesAReferenceDeltaWhoseBaseComesLaterInThePack() throws Exception {
        byte[] base = "the base of a delta that is sent after it\n".getBytes(StandardCharsets.US_ASCII);
        ObjectId baseId = idOf(Constants.OBJ_BLOB, base);
        byte[] result = "the base of a delta that is sent after it, and more\n".getBytes(StandardCharsets.US_ASCII);
        HandPack built = new HandPack();
        built.refDelta(baseId, new Delta(base.length, result.length).copy(0, base.length - 1).insert(", and more\n").bytes());
        built.whole(Constants.OBJ_BLOB, base);
        byte[] pack = built.bytes();

        Path clone = root.resolve("clone.git");
        try (BoundedRepository repository = openEmpty(clone)) {
            parse(repository, pack, new ObjectChecker());
            try (ObjectReader reader = repository.newObjectReader()) {
                assertThat(reader.open(idOf(Constants.OBJ_BLOB, result)).getCachedBytes()).isEqualTo(result);
            }
            Path installed = onlyFile(clone.resolve("objects/pack"), ".pack");
            Path gitsIndex = root.resolve("by-git.idx");
            git(root, null, "index-pack", "-o", gitsIndex.toString(), installed.toString());
            assertThat(Files.readAllBytes(onlyFile(clone.resolve("objects/pack"), ".idx"))).isEqualTo(Files.readAllBytes(gitsIndex));
        }
    }

    @Test
    void resolvesDeltasWhileThePackIsStillArrivingWhenTheThreadsKeepUp() throws Exception {
        // A chain of versions, each a delta on the one before, as git writes a file's history.
        int versions = 200;
        HandPack built = new HandPack();
        List<Long> starts = new ArrayList<>();
        StringBuilder text = new StringBuilder("line 0\n");
        byte[] previous = ascii(text.toString());
        starts.add(built.next());
        built.whole(Constants.OBJ_BLOB, previous);
        for (int i = 1; i < versions; i++) {
            byte[] next = ascii(text.append("line ").append(i).append('\n').toString());
            starts.add(built.ofsDelta(starts.get(i - 1), extending(previous, next)));
            previous = next;
        }
        byte[] pack = built.bytes();
        // Where the stream pauses: before each entry after the first, and before the pack's checksum.
        List<Long> pauses = new ArrayList<>(starts.subList(1, versions));
        pauses.add((long) pack.length - Constants.OBJECT_ID_LENGTH);
        CountingChecker checker = new CountingChecker();
        long deadline = System.nanoTime() + 30_000_000_000L;
        int[] checkedBeforeTheChecksum = {-1};
        // Sends each entry once the ones before it are checked (or 30 s have passed): threads that keep up.
        InputStream stream = new FilterInputStream(new ByteArrayInputStream(pack)) {
            private long position;
            private int next;

            @Override
            public int read(byte[] to, int offset, int length) throws IOException {
                if (next < pauses.size() && position == pauses.get(next)) {
                    next++;
                    checker.awaitAtLeast(next, deadline);
                    if (next == pauses.size()) {
                        checkedBeforeTheChecksum[0] = checker.count();
                    }
                }
                long until = next < pauses.size() ? pauses.get(next) : pack.length;
                int n = super.read(to, offset, (int) Math.min(length, until - position));
                position += Math.max(n, 0);
                return n;
            }
        };

        try (BoundedRepository repository = openEmpty(root.resolve("clone.git"))) {
            parse(repository, stream, checker);
            try (ObjectReader reader = repository.newObjectReader()) {
                assertThat(reader.open(idOf(Constants.OBJ_BLOB, previous)).getCachedBytes()).isEqualTo(previous);
            }
        }

        assertThat(checkedBeforeTheChecksum[0]).as("versions hashed and checked before the pack's checksum arrived").isEqualTo(versions);
        assertThat(checker.count()).isEqualTo(versions);
    }

    @Test
    void resolvesOnceThePackIsInADeltaWhoseBaseHasLeftTheRecentObjects() throws Exception {
        List<byte[]> versions = List.of(ascii("version 1 of a file\n"), ascii("version 1 of a file, then 2\n"),
                ascii("version 1 of a file, then 2, then 3\n"));
        HandPack built = new HandPack();
        long firstAt = built.next();
        built.whole(Constants.OBJ_BLOB, versions.get(0));
        long secondAt = built.ofsDelta(firstAt, extending(versions.get(0), versions.get(1)));
        // Held objects enough to push the first two out of the recent ones; each under the size that would be streamed.
        Random random = new Random(14);
        for (int i = 0; i * (PackScan.HOLD_LIMIT - 1) <= ObjectResolver.RECENT_BYTES; i++) {
            byte[] filler = new byte[PackScan.HOLD_LIMIT - 1];
            random.nextBytes(filler);
            built.whole(Constants.OBJ_BLOB, filler);
        }
        built.ofsDelta(secondAt, extending(versions.get(1), versions.get(2)));
        byte[] pack = built.bytes();

        Path clone = root.resolve("clone.git");
        try (BoundedRepository repository = openEmpty(clone)) {
            parse(repository, pack, new ObjectChecker());
            try (ObjectReader reader = repository.newObjectReader()) {
                for (byte[] version : versions) {
                    assertThat(reader.open(idOf(Constants.OBJ_BLOB, version)).getCachedBytes()).isEqualTo(version);
                }
            }
            Path gitsIndex = root.resolve("by-git.idx");
            git(root, null, "index-pack", "-o", gitsIndex.toString(), onlyFile(clone.resolve("objects/pack"), ".pack").toString());
            assertThat(Files.readAllBytes(onlyFile(clone.resolve("objects/pack"), ".idx"))).isEqualTo(Files.readAllBytes(gitsIndex));
        }
    }

    @Test
    void resolvesAReferenceDeltaOnAnOffsetDeltaResolvedAsItArrived() throws Exception {
        byte[] first = ascii("the first version\n");
        byte[] second = ascii("the first version, and a second\n");
        byte[] third = ascii("the first version, and a second, and a third\n");
        HandPack built = new HandPack();
        long firstAt = built.next();
        built.whole(Constants.OBJ_BLOB, first);
        built.ofsDelta(firstAt, extending(first, second));
        built.refDelta(idOf(Constants.OBJ_BLOB, second), extending(second, third));
        byte[] pack = built.bytes();

        try (BoundedRepository repository = openEmpty(root.resolve("clone.git"))) {
            parse(repository, pack, new ObjectChecker());
            try (ObjectReader reader = repository.newObjectReader()) {
                assertThat(reader.open(idOf(Constants.OBJ_BLOB, third)).getCachedBytes()).isEqualTo(third);
            }
        }
    }

    // ---------------------------------------------------------------- what it refuses

    /** A pack to refuse, how to check it, and what the refusal must say. */
    record Refusal(byte[] pack, ObjectChecker checker, Class<? extends Exception> type, List<String> says) {

        Refusal(byte[] pack, String... says) {
            this(pack, new ObjectChecker(), CorruptPackException.class, List.of(says));
        }
    }

    static Stream<Arguments> refusals() {
        return Stream.of(
                refusal("a thin pack, its deltas on bases the pack does not hold",
                        () -> new Refusal(thinPack, "the delta at offset ", "cannot be resolved: its base ", "is not in the pack")),
                refusal("a pack cut off in the middle", () -> new Refusal(Arrays.copyOf(ofsPack, ofsPack.length / 2),
                        "the stream ends at offset ", "before the pack does")),
                refusal("a pack whose trailing checksum is not that of its content", () -> {
                    byte[] pack = ofsPack.clone();
                    pack[pack.length - 5] ^= 0x10;
                    return new Refusal(pack, "the pack's checksum " + ObjectId.fromRaw(pack, pack.length - 20).name(),
                            "is not that of its content, " + ObjectId.fromRaw(ofsPack, ofsPack.length - 20).name());
                }),
                refusal("a pack with a byte flipped in the compressed data of its big blob", () -> {
                    byte[] pack = ofsPack.clone();
                    long[] big = biggestEntry(pack);
                    pack[(int) (big[0] + big[1] / 2)] ^= 0x01;
                    return new Refusal(pack, "the object at offset " + big[0] + " of the pack is malformed: ");
                }),
                refusal("a stream without the pack signature", () -> {
                    byte[] pack = ofsPack.clone();
                    pack[3] = 'X';
                    return new Refusal(pack, "the stream does not start with a pack signature");
                }),
                refusal("a pack of an unknown version", () -> {
                    byte[] pack = ofsPack.clone();
                    pack[7] = 4;
                    return new Refusal(pack, "the pack is of version 4; only versions 2 and 3 exist");
                }),
                refusal("an entry that inflates to more than its declared size", () -> {
                    byte[] blob = "hello world\n".getBytes(StandardCharsets.US_ASCII);
                    return new Refusal(new HandPack().whole(Constants.OBJ_BLOB, 5, blob).bytes(),
                            "the object at offset 12 of the pack is malformed: it inflates to more than its declared 5 bytes");
                }),
                refusal("an entry that inflates to less than its declared size", () -> {
                    byte[] blob = "hello world\n".getBytes(StandardCharsets.US_ASCII);
                    return new Refusal(new HandPack().whole(Constants.OBJ_BLOB, 100, blob).bytes(),
                            "the object at offset 12 of the pack is malformed: it inflates to 12 bytes, not its declared 100");
                }),
                refusal("the same blob twice", () -> {
                    byte[] blob = "sent twice\n".getBytes(StandardCharsets.US_ASCII);
                    HandPack pack = new HandPack();
                    pack.whole(Constants.OBJ_BLOB, blob);
                    long second = pack.next();
                    pack.whole(Constants.OBJ_BLOB, blob);
                    return new Refusal(pack.bytes(), "the pack holds object " + idOf(Constants.OBJ_BLOB, blob).name()
                            + " twice, at offsets 12 and " + second);
                }),
                refusal("an offset delta that copies from past the end of its base", () -> pastItsBase(false)),
                refusal("a delta on an offset delta that copies from past the end of its base", () -> pastItsBase(true)),
                refusal("an offset delta whose base offset is inside an entry", () -> {
                    byte[] base = "0123456789".getBytes(StandardCharsets.US_ASCII);
                    HandPack pack = new HandPack();
                    long baseAt = pack.next();
                    pack.whole(Constants.OBJ_BLOB, base);
                    long deltaAt = pack.ofsDelta(baseAt + 1, new Delta(base.length, 5).copy(0, 5).bytes());
                    return new Refusal(pack.bytes(), "the object at offset " + deltaAt + " of the pack is malformed: it is a delta on offset "
                            + (baseAt + 1) + ", where no earlier object starts");
                }),
                refusal("a tree with two entries of the same name", () -> {
                    byte[] blob = "twice in one tree\n".getBytes(StandardCharsets.US_ASCII);
                    ObjectId blobId = idOf(Constants.OBJ_BLOB, blob);
                    byte[] tree = tree(blobId, "twice", "twice");
                    byte[] pack = new HandPack().whole(Constants.OBJ_BLOB, blob).whole(Constants.OBJ_TREE, tree).bytes();
                    return new Refusal(pack, new LinkRecordingChecker(), CorruptObjectException.class,
                            List.of("Invalid tree " + idOf(Constants.OBJ_TREE, tree).name() + ": ", "duplicate entry names"));
                }));
    }

    /** An offset delta that copies from past the end of its base, and maybe a delta on it: refused naming the first. */
    private static Refusal pastItsBase(boolean deltaOnIt) {
        byte[] base = ascii("0123456789");
        HandPack pack = new HandPack();
        long baseAt = pack.next();
        pack.whole(Constants.OBJ_BLOB, base);
        long badAt = pack.ofsDelta(baseAt, new Delta(base.length, 20).copy(5, 20).bytes());
        if (deltaOnIt) {
            pack.ofsDelta(badAt, new Delta(20, 5).copy(0, 5).bytes());
        }
        return new Refusal(pack.bytes(), "the delta at offset " + badAt + " of the pack is malformed: it does not apply to its base");
    }

    /** Makes the pack of a case (from the packs git made, once they are made). */
    @FunctionalInterface
    interface Case {
        Refusal make() throws Exception;
    }

    private static Arguments refusal(String name, Case refusal) {
        return Arguments.of(name, refusal);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusals")
    void refusesAMalformedPackNamingTheFaultAndLeavesNothingInThePackDirectory(String name, Case made) throws Exception {
        Refusal refusal = made.make();
        Path clone = root.resolve("clone.git");
        try (BoundedRepository repository = openEmpty(clone)) {
            var thrown = assertThatThrownBy(() -> parse(repository, refusal.pack(), refusal.checker())).isInstanceOf(refusal.type());
            for (String part : refusal.says()) {
                thrown.hasMessageContaining(part);
            }
            assertThat(filesIn(clone.resolve("objects/pack"))).isEmpty();
            assertThat(repository.holdsNoObjects()).isTrue();
        }
    }

    @Test
    void refusesAMalformedObjectEvenWhenTheObjectsQueuedBehindItFillTheRoomTheScanWaitsFor() throws Exception {
        byte[] blob = ascii("named twice in one tree\n");
        byte[] badTree = tree(idOf(Constants.OBJ_BLOB, blob), "twice", "twice");
        Random random = new Random(5);
        HandPack built = new HandPack();
        built.whole(Constants.OBJ_TREE, badTree);
        // Two whole blobs held for the threads, each over half the room whole objects may wait in.
        for (int i = 0; i < 2; i++) {
            byte[] filler = new byte[600 << 10];
            random.nextBytes(filler);
            built.whole(Constants.OBJ_BLOB, filler);
        }
        byte[] pack = built.bytes();
        Thread[] scanning = new Thread[1];
        // The malformed tree is refused only once the scan waits for room (the one thread is slow at it).
        ObjectChecker checker = new ObjectChecker() {
            @Override
            public void check(AnyObjectId id, int type, byte[] raw) throws CorruptObjectException {
                if (type == Constants.OBJ_TREE) {
                    long deadline = System.nanoTime() + 30_000_000_000L;
                    while (scanning[0].getState() != Thread.State.WAITING && System.nanoTime() < deadline) {
                        LockSupport.parkNanos(1_000_000);
                    }
                }
                super.check(id, type, raw);
            }
        };

        try (BoundedRepository repository = openEmpty(root.resolve("clone.git"))) {
            Throwable thrown = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
                scanning[0] = Thread.currentThread();
                try {
                    FirstPackParser parser = new FirstPackParser(repository.getObjectDatabase(), new ByteArrayInputStream(pack), 1,
                            new HeldObjectLimit(1 << 20));
                    parser.setObjectChecker(checker);
                    parser.parse(NullProgressMonitor.INSTANCE);
                    return null;
                } catch (Exception e) {
                    return e;
                }
            }, "the parse never ends");
            assertThat(thrown).isInstanceOf(CorruptObjectException.class)
                    .hasMessageContaining("Invalid tree " + idOf(Constants.OBJ_TREE, badTree).name());
            assertThat(filesIn(root.resolve("clone.git/objects/pack"))).isEmpty();
        }
    }

    @Test
    void keepsABoundedNumberOfRecentObjectsHoweverManyEmptyOnesThePackSends() throws Exception {
        // Empty blobs (the same one over and over, refused as sent twice only once the pack is in): 0 bytes of data each.
        int sent = 20_000;
        HandPack built = new HandPack();
        for (int i = 0; i < sent; i++) {
            built.whole(Constants.OBJ_BLOB, new byte[0]);
        }
        byte[] pack = built.bytes();

        try (ObjectResolver resolver = new ObjectResolver(SharedChecks.of(new ObjectChecker()), 1, 0, new HeldObjectLimit(1 << 20))) {
            PackScan.scan(new ByteArrayInputStream(pack), OutputStream.nullOutputStream(), resolver, 0, new HeldObjectLimit(1 << 20), true);
            Field recent = ObjectResolver.class.getDeclaredField("recent");
            recent.setAccessible(true);
            // At least 64 bytes counted for each, as for the whole objects waiting for a thread.
            assertThat(((Map<?, ?>) recent.get(resolver)).size()).as("recent objects kept")
                    .isLessThanOrEqualTo(ObjectResolver.RECENT_BYTES / 64 + 1);
        }
    }

    @Test
    void refusesObjectsSentOverAndOverWhoseIdsShareTheirFirstFourBytesWithoutSortingThemPairByPair() throws Exception {
        // Two blobs whose ids share their first four bytes: a birthday search of some 65,000 blobs finds them.
        Map<Integer, byte[]> byPrefix = new HashMap<>();
        byte[][] pair = null;
        for (long i = 0; pair == null; i++) {
            byte[] blob = ascii("blob " + i + "\n");
            byte[] other = byPrefix.putIfAbsent(NB.decodeInt32(rawId(Constants.OBJ_BLOB, blob), 0), blob);
            if (other != null) {
                pair = new byte[][] {other, blob};
            }
        }
        ObjectId first = idOf(Constants.OBJ_BLOB, pair[0]);
        ObjectId second = idOf(Constants.OBJ_BLOB, pair[1]);
        byte[] high = first.compareTo(second) > 0 ? pair[0] : pair[1];
        byte[] low = high == pair[0] ? pair[1] : pair[0];
        // The higher id, then the lower, over and over: every one of the later is out of order with every one of the former.
        int times = 300_000;
        byte[] entries = new HandPack().whole(Constants.OBJ_BLOB, high).whole(Constants.OBJ_BLOB, low).bytes();
        byte[] twoEntries = Arrays.copyOfRange(entries, 12, entries.length - Constants.OBJECT_ID_LENGTH);
        ByteArrayOutputStream built = new ByteArrayOutputStream();
        built.writeBytes(Constants.PACK_SIGNATURE);
        int count = 2 * times;
        built.writeBytes(new byte[] {0, 0, 0, 2, (byte) (count >>> 24), (byte) (count >>> 16), (byte) (count >>> 8), (byte) count});
        for (int i = 0; i < times; i++) {
            built.writeBytes(twoEntries);
        }
        built.writeBytes(Constants.newMessageDigest().digest(built.toByteArray()));
        byte[] pack = built.toByteArray();
        long secondHighAt = 12 + twoEntries.length;

        try (BoundedRepository repository = openEmpty(root.resolve("clone.git"))) {
            // A guard against a parse that would take hours (once the pairs are sorted in O(n log n), it takes seconds).
            Throwable thrown = assertTimeoutPreemptively(Duration.ofSeconds(90), () -> {
                try {
                    parse(repository, pack, new ObjectChecker());
                    return null;
                } catch (Exception e) {
                    return e;
                }
            }, "the parse does not end");
            assertThat(thrown).isInstanceOf(CorruptPackException.class).hasMessageContaining("the pack holds object ")
                    .hasMessageContaining(" twice, at offsets ");
            assertThat(filesIn(root.resolve("clone.git/objects/pack"))).isEmpty();
        }
    }

    // ---------------------------------------------------------------- the size of what it holds whole

    /** The limit on an object held whole in the cases below: small, so that what is over it is quick to make. */
    static final int HELD_LIMIT = 256 << 10;
    /** What one copy instruction of the deltas below copies: all of a 64 KiB base. */
    static final int COPY = 64 << 10;

    static Stream<Arguments> withinTheHeldLimit() {
        return Stream.of(
                Arguments.of("a whole blob over the limit, smaller than the blobs that always stream",
                        (Supplier<byte[]>) () -> new HandPack().whole(Constants.OBJ_BLOB, noise(HELD_LIMIT + 1, 1)).bytes()),
                Arguments.of("a whole blob over the limit and over the size from which blobs always stream",
                        (Supplier<byte[]>) () -> new HandPack().whole(Constants.OBJ_BLOB, noise(PackScan.HOLD_LIMIT + 1, 2)).bytes()),
                Arguments.of("a commit of exactly the limit",
                        (Supplier<byte[]>) () -> new HandPack().whole(Constants.OBJ_COMMIT, commitOf(HELD_LIMIT)).bytes()),
                Arguments.of("an offset delta making exactly the limit", (Supplier<byte[]>) () -> {
                    HandPack pack = new HandPack().whole(Constants.OBJ_BLOB, noise(COPY, 3));
                    pack.ofsDelta(12, copiesOfItsBase(HELD_LIMIT / COPY, "").bytes());
                    return pack.bytes();
                }));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("withinTheHeldLimit")
    void acceptsWhatItHoldsUpToTheLimitAndWholeBlobsOfAnySizeWithTheVeryIndexGitMakes(String name, Supplier<byte[]> made)
            throws Exception {
        Path clone = root.resolve("clone.git");
        try (BoundedRepository repository = openEmpty(clone, HELD_LIMIT)) {
            parse(repository, made.get(), new ObjectChecker());

            Path gitsIndex = root.resolve("by-git.idx");
            git(root, null, "index-pack", "-o", gitsIndex.toString(), onlyFile(clone.resolve("objects/pack"), ".pack").toString());
            assertThat(Files.readAllBytes(onlyFile(clone.resolve("objects/pack"), ".idx"))).isEqualTo(Files.readAllBytes(gitsIndex));
        }
    }

    /** A pack with one object over the held limit, and how the refusal names it. */
    record OverTheLimit(byte[] pack, String object) {
    }

    static Stream<Arguments> overTheHeldLimit() {
        return Stream.of(
                Arguments.of("a commit one byte over the limit", (Supplier<OverTheLimit>) () -> new OverTheLimit(
                        new HandPack().whole(Constants.OBJ_COMMIT, commitOf(HELD_LIMIT + 1)).bytes(),
                        "a commit of " + (HELD_LIMIT + 1) + " bytes at offset 12 of the pack")),
                Arguments.of("an offset delta making one byte over the limit", (Supplier<OverTheLimit>) () -> {
                    HandPack pack = new HandPack().whole(Constants.OBJ_BLOB, noise(COPY, 3));
                    long delta = pack.ofsDelta(12, copiesOfItsBase(HELD_LIMIT / COPY, "!").bytes());
                    return new OverTheLimit(pack.bytes(), "a delta at offset " + delta + " of the pack that makes a blob of "
                            + (HELD_LIMIT + 1) + " bytes");
                }),
                Arguments.of("a reference delta sent before its base, making one byte over the limit", (Supplier<OverTheLimit>) () -> {
                    byte[] base = noise(COPY, 3);
                    HandPack pack = new HandPack();
                    pack.refDelta(idOf(Constants.OBJ_BLOB, base), copiesOfItsBase(HELD_LIMIT / COPY, "!").bytes());
                    pack.whole(Constants.OBJ_BLOB, base);
                    // Its base is not read yet, so neither is the kind of object it makes.
                    return new OverTheLimit(pack.bytes(), "a delta at offset 12 of the pack that makes an object of " + (HELD_LIMIT + 1)
                            + " bytes");
                }),
                Arguments.of("an offset delta whose own instructions are over the limit", (Supplier<OverTheLimit>) () -> {
                    byte[] base = ascii("a small base\n");
                    // Its header claims a small result, so it is the instructions' own size that is over the limit.
                    Delta inserts = new Delta(base.length, 1);
                    for (int i = 0; i < 2100; i++) {
                        inserts.insert("x".repeat(127));
                    }
                    byte[] instructions = inserts.bytes();
                    HandPack pack = new HandPack().whole(Constants.OBJ_BLOB, base);
                    long delta = pack.ofsDelta(12, instructions);
                    return new OverTheLimit(pack.bytes(), "a delta of " + instructions.length + " bytes at offset " + delta
                            + " of the pack");
                }),
                Arguments.of("a delta on a whole blob over the limit", (Supplier<OverTheLimit>) () -> {
                    HandPack pack = new HandPack().whole(Constants.OBJ_BLOB, noise(HELD_LIMIT + 1, 4));
                    long delta = pack.ofsDelta(12, new Delta(HELD_LIMIT + 1, 100).copy(0, 100).bytes());
                    return new OverTheLimit(pack.bytes(), "a delta at offset " + delta + " of the pack whose base is " + (HELD_LIMIT + 1)
                            + " bytes");
                }),
                Arguments.of("a delta on a whole blob over the limit that misstates its base's size", (Supplier<OverTheLimit>) () -> {
                    HandPack pack = new HandPack().whole(Constants.OBJ_BLOB, noise(HELD_LIMIT + 1, 4));
                    pack.ofsDelta(12, new Delta(100, 100).copy(0, 100).bytes());
                    return new OverTheLimit(pack.bytes(), "a blob of " + (HELD_LIMIT + 1)
                            + " bytes at offset 12 of the pack with deltas on it");
                }));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("overTheHeldLimit")
    void refusesAnObjectItMustHoldThatIsOverTheLimitNamingItTheLimitAndItsKey(String name, Supplier<OverTheLimit> made)
            throws Exception {
        OverTheLimit over = made.get();
        Path clone = root.resolve("clone.git");
        try (BoundedRepository repository = openEmpty(clone, HELD_LIMIT)) {
            assertThatThrownBy(() -> parse(repository, over.pack(), new ObjectChecker()))
                    .isInstanceOfSatisfying(FetchRefusedException.class,
                            refused -> assertThat(refused.reason()).isEqualTo(FetchRefusedException.Reason.OBJECT_TOO_LARGE))
                    .hasMessageStartingWith("the remote sent " + over.object() + ", more than " + HELD_LIMIT + " bytes, the limit set by "
                            + FetchBounds.MAX_OBJECT_BYTES_KEY + " ");
            assertThat(filesIn(clone.resolve("objects/pack"))).isEmpty();
        }
    }

    /** A delta that makes {@code copies} copies of its 64 KiB base, then {@code tail}. */
    static Delta copiesOfItsBase(int copies, String tail) {
        Delta delta = new Delta(COPY, (long) copies * COPY + tail.length());
        for (int i = 0; i < copies; i++) {
            delta.copy(0, COPY);
        }
        return tail.isEmpty() ? delta : delta.insert(tail);
    }

    /** A well-formed commit of exactly {@code size} bytes (its tree is not sent). */
    static byte[] commitOf(int size) {
        String head = "tree " + ObjectId.zeroId().name() + "\nauthor A <a@example.org> 0 +0000\ncommitter A <a@example.org> 0 +0000\n\n";
        return ascii(head + "m".repeat(size - head.length()));
    }

    static byte[] noise(int size, long seed) {
        byte[] data = new byte[size];
        new Random(seed).nextBytes(data);
        return data;
    }

    // ---------------------------------------------------------------- links recorded on every thread

    static Stream<Arguments> linkedObjects() {
        return Stream.of(
                Arguments.of("the first version of the big blob", "main~149:assets/big.bin"),
                Arguments.of("a tree of an old commit", "main~70:lib"),
                Arguments.of("a commit in the middle of the history", "main~30"),
                Arguments.of("the commit the tag names", "main"));
    }

    /**
     * The links of every thread's checks land in the one table of the checker given to the parser: with the
     * whole pack in, nothing is missing; seen from a store holding all but one object, that one is.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("linkedObjects")
    void theChecksOfEveryThreadRecordTheirLinksInOneTable(String name, String revision) throws Exception {
        ObjectId left = ObjectId.fromString(text(git(source, null, "rev-parse", revision)).strip());
        Path partial = root.resolve("partial.git");
        git(root, null, "init", "-q", "--bare", partial.toString());
        StringBuilder allButOne = new StringBuilder();
        allObjects.stream().filter(id -> !id.equals(left)).forEach(id -> allButOne.append(id.name()).append('\n'));
        git(source, allButOne.toString().getBytes(StandardCharsets.US_ASCII), "pack-objects", "-q",
                partial.resolve("objects/pack/pack").toString());

        try (BoundedRepository repository = openEmpty(root.resolve("clone.git"));
                Repository allButThatOne = new FileRepositoryBuilder().setGitDir(partial.toFile()).setMustExist(true).build()) {
            LinkRecordingChecker checker = new LinkRecordingChecker();
            parse(repository, ofsPack, checker);
            try (ObjectReader everything = repository.newObjectReader(); ObjectReader allButOneReader = allButThatOne.newObjectReader()) {
                assertThat(checker.firstMissing(everything, Set.of())).isEmpty();
                assertThat(allButOneReader.has(left)).isFalse();
                assertThat(checker.firstMissing(allButOneReader, Set.of())).contains(left);
            }
        }
    }

    @Test
    void aPackWithoutABlobItsTreeNamesLeavesThatBlobMissing() throws Exception {
        ObjectId sent = idOf(Constants.OBJ_BLOB, "sent\n".getBytes(StandardCharsets.US_ASCII));
        ObjectId notSent = idOf(Constants.OBJ_BLOB, "not sent\n".getBytes(StandardCharsets.US_ASCII));
        ByteArrayOutputStream entries = new ByteArrayOutputStream();
        treeEntry(entries, "a-sent", sent);
        treeEntry(entries, "b-not-sent", notSent);
        byte[] tree = entries.toByteArray();
        byte[] commit = ("tree " + idOf(Constants.OBJ_TREE, tree).name() + "\n"
                + "author A U Thor <author@example.test> 1700000000 +0000\n"
                + "committer C O Mitter <committer@example.test> 1700000000 +0000\n\nno blob\n").getBytes(StandardCharsets.US_ASCII);
        byte[] pack = new HandPack().whole(Constants.OBJ_COMMIT, commit).whole(Constants.OBJ_TREE, tree)
                .whole(Constants.OBJ_BLOB, "sent\n".getBytes(StandardCharsets.US_ASCII)).bytes();

        try (BoundedRepository repository = openEmpty(root.resolve("clone.git"))) {
            LinkRecordingChecker checker = new LinkRecordingChecker();
            parse(repository, pack, checker);
            try (ObjectReader reader = repository.newObjectReader()) {
                assertThat(checker.firstMissing(reader, Set.of())).contains(notSent);
            }
        }
    }

    // ---------------------------------------------------------------- helpers

    /** JGit's checks, counting the objects that pass them. */
    private static final class CountingChecker extends ObjectChecker {

        private final AtomicInteger checked = new AtomicInteger();

        @Override
        public void check(AnyObjectId id, int type, byte[] raw) throws CorruptObjectException {
            super.check(id, type, raw);
            checked.incrementAndGet();
        }

        int count() {
            return checked.get();
        }

        /** Waits until {@code objects} are checked or {@code deadline} ({@link System#nanoTime()}) has passed. */
        void awaitAtLeast(int objects, long deadline) {
            while (checked.get() < objects && System.nanoTime() < deadline) {
                LockSupport.parkNanos(1_000_000);
            }
        }
    }

    private static BoundedRepository openEmpty(Path gitDir) throws IOException {
        return openEmpty(gitDir, 1L << 30);
    }

    private static BoundedRepository openEmpty(Path gitDir, long maxObjectBytes) throws IOException {
        BoundedRepository repository = BoundedRepository.open(new FileRepositoryBuilder().setGitDir(gitDir.toFile()),
                new FetchBounds(1L << 30, 1_000_000, maxObjectBytes));
        repository.create(true);
        return repository;
    }

    private static void parse(BoundedRepository repository, byte[] pack, ObjectChecker checker) throws IOException {
        parse(repository, new ByteArrayInputStream(pack), checker);
    }

    private static void parse(BoundedRepository repository, InputStream pack, ObjectChecker checker) throws IOException {
        try (ObjectInserter inserter = repository.newObjectInserter()) {
            PackParser parser = inserter.newPackParser(pack);
            assertThat(parser).isInstanceOf(FirstPackParser.class);
            parser.setAllowThin(true);
            parser.setObjectChecker(checker);
            assertThat(parser.parse(NullProgressMonitor.INSTANCE)).isNull();
            inserter.flush();
        }
    }

    private static List<String> filesIn(Path directory) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.map(file -> file.getFileName().toString()).toList();
        }
    }

    private static Path onlyFile(Path directory, String suffix) throws IOException {
        List<String> names = filesIn(directory).stream().filter(name -> name.endsWith(suffix)).toList();
        assertThat(names).hasSize(1);
        return directory.resolve(names.get(0));
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    /** A delta that makes {@code result} from {@code base}: copies what they start with alike, inserts the rest. */
    private static byte[] extending(byte[] base, byte[] result) {
        int alike = 0;
        while (alike < base.length && alike < result.length && base[alike] == result[alike]) {
            alike++;
        }
        Delta delta = new Delta(base.length, result.length);
        if (alike > 0) {
            // A copy of size 0 would mean 64 KiB.
            delta.copy(0, alike);
        }
        return delta.insert(new String(result, alike, result.length - alike, StandardCharsets.US_ASCII)).bytes();
    }

    private static byte[] rawId(int type, byte[] data) {
        byte[] raw = new byte[Constants.OBJECT_ID_LENGTH];
        idOf(type, data).copyRawTo(raw, 0);
        return raw;
    }

    static ObjectId idOf(int type, byte[] data) {
        return new ObjectInserter.Formatter().idFor(type, data);
    }

    private static byte[] tree(ObjectId blob, String... names) {
        ByteArrayOutputStream entries = new ByteArrayOutputStream();
        for (String name : names) {
            treeEntry(entries, name, blob);
        }
        return entries.toByteArray();
    }

    private static void treeEntry(ByteArrayOutputStream out, String name, ObjectId blob) {
        out.writeBytes(("100644 " + name + "\0").getBytes(StandardCharsets.US_ASCII));
        byte[] raw = new byte[Constants.OBJECT_ID_LENGTH];
        blob.copyRawTo(raw, 0);
        out.writeBytes(raw);
    }

    /**
     * What a pack git made holds, by the index git makes of it: how many deltas of each kind there are of
     * each type of object, and whole blobs too big to be held ("big whole blob").
     */
    private static Map<String, Integer> shape(byte[] pack) throws Exception {
        Map<String, Integer> shape = new TreeMap<>();
        try (Repository original = new FileRepositoryBuilder().setGitDir(source.toFile()).setMustExist(true).build();
                ObjectReader reader = original.newObjectReader()) {
            for (PackIndex.MutableEntry entry : gitsIndexOf(pack)) {
                int at = (int) entry.getOffset();
                int kind = (pack[at] >> 4) & 7;
                if (kind == Constants.OBJ_OFS_DELTA || kind == Constants.OBJ_REF_DELTA) {
                    shape.merge(kindName(kind) + " of " + Constants.typeString(reader.open(entry.toObjectId()).getType()), 1, Integer::sum);
                } else if (kind == Constants.OBJ_BLOB && sizeAt(pack, at) > PackScan.HOLD_LIMIT) {
                    shape.merge("big whole blob", 1, Integer::sum);
                }
            }
        }
        return shape;
    }

    /** The entry that takes most room in the pack (the big blob, stored): where it starts, and its length with its header. */
    private static long[] biggestEntry(byte[] pack) throws Exception {
        List<Long> starts = new ArrayList<>();
        for (PackIndex.MutableEntry entry : gitsIndexOf(pack)) {
            starts.add(entry.getOffset());
        }
        starts.sort(null);
        starts.add((long) pack.length - Constants.OBJECT_ID_LENGTH);
        long[] biggest = {0, 0};
        for (int i = 0; i + 1 < starts.size(); i++) {
            long length = starts.get(i + 1) - starts.get(i);
            if (length > biggest[1]) {
                biggest = new long[] {starts.get(i), length};
            }
        }
        return biggest;
    }

    private static PackIndex gitsIndexOf(byte[] pack) throws Exception {
        Path directory = Files.createTempDirectory(shared, "index-");
        Path packFile = Files.write(directory.resolve("made.pack"), pack);
        git(directory, null, "index-pack", "-o", directory.resolve("made.idx").toString(), packFile.toString());
        return PackIndex.open(directory.resolve("made.idx").toFile());
    }

    private static long sizeAt(byte[] pack, int at) {
        int c = pack[at] & 0xff;
        long size = c & 15;
        int shift = 4;
        while ((c & 0x80) != 0) {
            c = pack[++at] & 0xff;
            size += (long) (c & 0x7f) << shift;
            shift += 7;
        }
        return size;
    }

    private static String kindName(int kind) {
        return switch (kind) {
            case Constants.OBJ_OFS_DELTA -> "offset delta";
            case Constants.OBJ_REF_DELTA -> "reference delta";
            default -> Constants.typeString(kind);
        };
    }

    /**
     * A history for fast-import: {@value #COMMITS} commits, each editing a line of three of {@value #FILES}
     * text files in three directories (so git makes deltas of blobs and of trees), a binary file of
     * {@value #BIG_FILE_BYTES} bytes changed twice (bigger than a parser holds: it is streamed), and an
     * annotated tag.
     */
    private static byte[] fastImportStream() {
        Random random = new Random(20240601);
        List<List<String>> files = new ArrayList<>();
        for (int f = 0; f < FILES; f++) {
            List<String> lines = new ArrayList<>();
            for (int l = 0; l < 60; l++) {
                lines.add("file " + f + " line " + l + ": " + Long.toHexString(random.nextLong()) + Long.toHexString(random.nextLong()));
            }
            files.add(lines);
        }
        byte[] big = new byte[BIG_FILE_BYTES];
        random.nextBytes(big);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int c = 1; c <= COMMITS; c++) {
            long time = 1_700_000_000L + c * 60L;
            ascii(out, "commit refs/heads/main\nmark :" + c + "\n"
                    + "author A U Thor <author@example.test> " + time + " +0000\n"
                    + "committer C O Mitter <committer@example.test> " + time + " +0000\n");
            data(out, ("commit " + c + "\n").getBytes(StandardCharsets.US_ASCII));
            if (c > 1) {
                ascii(out, "from :" + (c - 1) + "\n");
            }
            List<Integer> edited = new ArrayList<>();
            if (c == 1) {
                for (int f = 0; f < FILES; f++) {
                    edited.add(f);
                }
            } else {
                edited.addAll(List.of((c * 7) % FILES, (c * 11 + 3) % FILES, (c * 13 + 5) % FILES));
            }
            for (int f : edited.stream().distinct().toList()) {
                List<String> lines = files.get(f);
                if (c > 1) {
                    lines.set(c % lines.size(), "file " + f + " edited in commit " + c);
                }
                ascii(out, "M 100644 inline " + DIRECTORIES[f % DIRECTORIES.length] + "/file-" + f + ".txt\n");
                data(out, (String.join("\n", lines) + "\n").getBytes(StandardCharsets.US_ASCII));
            }
            if (c == 1 || c == 60 || c == 120) {
                if (c > 1) {
                    for (int i = 0; i < 64; i++) {
                        big[(c * 7919 + i * 4099) % big.length] ^= (byte) (c + i);
                    }
                }
                ascii(out, "M 100644 inline assets/big.bin\n");
                data(out, big);
            }
        }
        ascii(out, "tag v1.0\nfrom :" + COMMITS + "\ntagger T A Gger <tagger@example.test> 1700100000 +0000\n");
        data(out, "an annotated tag\n".getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
    }

    private static void ascii(ByteArrayOutputStream out, String text) {
        out.writeBytes(text.getBytes(StandardCharsets.US_ASCII));
    }

    private static void data(ByteArrayOutputStream out, byte[] data) {
        ascii(out, "data " + data.length + "\n");
        out.writeBytes(data);
        ascii(out, "\n");
    }

    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /**
     * Runs the real git in {@code directory} (as its git dir when it is a repository), isolated from the
     * machine's configuration; returns its standard output, and fails with its standard error unless it exits 0.
     */
    private static byte[] git(Path directory, byte[] stdin, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("git"));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(directory.toFile());
        Map<String, String> environment = builder.environment();
        environment.clear();
        environment.putAll(Map.of(
                "PATH", System.getenv().getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin"),
                "LC_ALL", "C",
                "HOME", home.toString(),
                "GIT_CONFIG_GLOBAL", "/dev/null",
                "GIT_CONFIG_NOSYSTEM", "1",
                "GIT_AUTHOR_NAME", "A U Thor",
                "GIT_AUTHOR_EMAIL", "author@example.test",
                "GIT_COMMITTER_NAME", "C O Mitter",
                "GIT_COMMITTER_EMAIL", "committer@example.test"));
        environment.putAll(Map.of("GIT_AUTHOR_DATE", "1700000000 +0000", "GIT_COMMITTER_DATE", "1700000000 +0000"));
        Path io = Files.createTempDirectory(home, "io-");
        Path in = Files.write(io.resolve("in"), stdin == null ? new byte[0] : stdin);
        builder.redirectInput(in.toFile()).redirectOutput(io.resolve("out").toFile()).redirectError(io.resolve("err").toFile());
        Process process = builder.start();
        int exit = process.waitFor();
        byte[] out = Files.readAllBytes(io.resolve("out"));
        String err = Files.readString(io.resolve("err"));
        if (exit != 0) {
            throw new AssertionError(command + " exited " + exit + ":\n" + err);
        }
        for (Path file : List.of(in, io.resolve("out"), io.resolve("err"), io)) {
            Files.delete(file);
        }
        return out;
    }

    /** A delta in git's encoding: the sizes, then copy and insert instructions. */
    static final class Delta {

        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Delta(long baseSize, long resultSize) {
            varint(baseSize);
            varint(resultSize);
        }

        Delta copy(int offset, int size) {
            int command = 0x80;
            ByteArrayOutputStream operands = new ByteArrayOutputStream();
            for (int i = 0; i < 4; i++) {
                int b = (offset >>> (8 * i)) & 0xff;
                if (b != 0) {
                    command |= 1 << i;
                    operands.write(b);
                }
            }
            for (int i = 0; i < 3; i++) {
                int b = (size >>> (8 * i)) & 0xff;
                if (b != 0) {
                    command |= 0x10 << i;
                    operands.write(b);
                }
            }
            out.write(command);
            out.writeBytes(operands.toByteArray());
            return this;
        }

        Delta insert(String text) {
            byte[] data = text.getBytes(StandardCharsets.US_ASCII);
            out.write(data.length);
            out.writeBytes(data);
            return this;
        }

        byte[] bytes() {
            return out.toByteArray();
        }

        private void varint(long value) {
            long v = value;
            while (v >= 0x80) {
                out.write((int) (v & 0x7f) | 0x80);
                v >>>= 7;
            }
            out.write((int) v);
        }
    }

    /** A pack written entry by entry, as git writes one: header, entries of deflated data, SHA-1 trailer. */
    static final class HandPack {

        private final ByteArrayOutputStream entries = new ByteArrayOutputStream();
        private int count;

        HandPack whole(int type, byte[] data) {
            whole(type, data.length, data);
            return this;
        }

        /** A whole object declaring {@code declaredSize}, true or not. */
        HandPack whole(int type, long declaredSize, byte[] data) {
            entry(type, declaredSize, new byte[0], data);
            return this;
        }

        long ofsDelta(long baseOffset, byte[] delta) {
            long start = next();
            long back = start - baseOffset;
            byte[] encoded = new byte[10];
            int at = encoded.length - 1;
            encoded[at] = (byte) (back & 0x7f);
            while ((back >>>= 7) != 0) {
                encoded[--at] = (byte) (0x80 | (--back & 0x7f));
            }
            entry(Constants.OBJ_OFS_DELTA, delta.length, Arrays.copyOfRange(encoded, at, encoded.length), delta);
            return start;
        }

        long refDelta(ObjectId base, byte[] delta) {
            long start = next();
            byte[] raw = new byte[Constants.OBJECT_ID_LENGTH];
            base.copyRawTo(raw, 0);
            entry(Constants.OBJ_REF_DELTA, delta.length, raw, delta);
            return start;
        }

        byte[] bytes() {
            ByteArrayOutputStream pack = new ByteArrayOutputStream();
            pack.writeBytes(Constants.PACK_SIGNATURE);
            pack.writeBytes(new byte[] {0, 0, 0, 2});
            pack.writeBytes(new byte[] {(byte) (count >>> 24), (byte) (count >>> 16), (byte) (count >>> 8), (byte) count});
            pack.writeBytes(entries.toByteArray());
            MessageDigest sha1 = Constants.newMessageDigest();
            pack.writeBytes(sha1.digest(pack.toByteArray()));
            return pack.toByteArray();
        }

        /** Where the next entry starts. */
        long next() {
            return 12L + entries.size();
        }

        private void entry(int kind, long size, byte[] afterHeader, byte[] data) {
            long s = size;
            int c = (kind << 4) | (int) (s & 15);
            s >>>= 4;
            while (s != 0) {
                entries.write(c | 0x80);
                c = (int) (s & 0x7f);
                s >>>= 7;
            }
            entries.write(c);
            entries.writeBytes(afterHeader);
            Deflater deflater = new Deflater();
            deflater.setInput(data);
            deflater.finish();
            byte[] buffer = new byte[8192];
            while (!deflater.finished()) {
                int n = deflater.deflate(buffer);
                entries.write(buffer, 0, n);
            }
            deflater.end();
            count++;
        }
    }
}
