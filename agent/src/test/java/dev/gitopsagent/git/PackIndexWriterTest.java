package dev.gitopsagent.git;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import org.eclipse.jgit.internal.storage.file.BasePackIndexWriter;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.transport.PackedObjectInfo;
import org.eclipse.jgit.util.NB;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The index a first fetch writes for its pack (FirstPackParserTest shows it byte-identical to git
 * index-pack's for real packs): here the same as JGit's version 2 writer for what real packs of a test
 * cannot reach, offsets past 2 GiB and ids that share their first bytes, through the sort that orders
 * them ({@link ObjectIds}).
 */
class PackIndexWriterTest {

    private static final long GIB = 1L << 30;

    record Case(String name, List<Long> offsets, int sharedPrefixBytes) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> packs() {
        return Stream.of(
                new Case("no objects", List.of(), 0),
                new Case("one object", List.of(12L), 0),
                new Case("10,000 objects", offsets(10_000, 12, 137), 0),
                new Case("ids alike in their first four bytes", offsets(300, 12, 50), 4),
                new Case("ids alike in all but their last two bytes", offsets(500, 12, 50), 18),
                new Case("offsets either side of 2 GiB", List.of(12L, 2 * GIB - 1, 2 * GIB, 2 * GIB + 9, 5 * GIB + 3), 0),
                new Case("offsets past 2 GiB, many", offsets(3_000, 2 * GIB - 1_500 * 97, 97), 0));
    }

    @ParameterizedTest
    @MethodSource("packs")
    void writesTheIndexJGitWrites(Case pack) throws IOException {
        Random random = new Random(pack.name().hashCode());
        PackEntries entries = new PackEntries(pack.offsets().size());
        ObjectIds ids = new ObjectIds(pack.offsets().size());
        List<PackedObjectInfo> expected = new ArrayList<>();
        byte[] prefix = new byte[Constants.OBJECT_ID_LENGTH];
        random.nextBytes(prefix);
        List<Integer> distinct = new ArrayList<>();
        for (int i = 0; i < pack.offsets().size(); i++) {
            distinct.add(i);
        }
        Collections.shuffle(distinct, random);
        for (long offset : pack.offsets()) {
            byte[] raw = new byte[Constants.OBJECT_ID_LENGTH];
            random.nextBytes(raw);
            System.arraycopy(prefix, 0, raw, 0, pack.sharedPrefixBytes());
            if (pack.sharedPrefixBytes() == 18) {
                // The last two bytes tell them apart, in an order other than the pack's.
                NB.encodeInt16(raw, 18, distinct.get(expected.size()));
            }
            ObjectId id = ObjectId.fromRaw(raw);
            int crc = random.nextInt();
            int entry = entries.add(offset, 2, Constants.OBJ_BLOB, 10, PackEntries.NO_BASE);
            entries.crc(entry, crc);
            ids.makeRoomFor(entry);
            ids.record(entry, Constants.OBJ_BLOB, id);
            PackedObjectInfo info = new PackedObjectInfo(id);
            info.setOffset(offset);
            info.setCRC(crc);
            expected.add(info);
        }
        byte[] packChecksum = new byte[Constants.OBJECT_ID_LENGTH];
        random.nextBytes(packChecksum);

        ByteArrayOutputStream ours = new ByteArrayOutputStream();
        PackIndexWriter.write(ours, ids.sortedForIndex(entries), packChecksum);
        expected.sort(null);
        ByteArrayOutputStream jgits = new ByteArrayOutputStream();
        BasePackIndexWriter.createVersion(jgits, 2).write(expected, packChecksum);

        assertThat(ours.toByteArray()).isEqualTo(jgits.toByteArray());
    }

    @Test
    void refusesAnObjectSentTwiceNamingBothOffsets() {
        PackEntries entries = new PackEntries(3);
        ObjectIds ids = new ObjectIds(3);
        ObjectId twice = ObjectId.fromString("5e0d5e0d5e0d5e0d5e0d5e0d5e0d5e0d5e0d5e0d");
        ObjectId[] sent = {twice, ObjectId.fromString("5e0d5e0d00000000000000000000000000000000"), twice};
        for (int i = 0; i < sent.length; i++) {
            int entry = entries.add(12 + 100L * i, 2, Constants.OBJ_BLOB, 10, PackEntries.NO_BASE);
            ids.makeRoomFor(entry);
            ids.record(entry, Constants.OBJ_BLOB, sent[i]);
        }

        assertThatThrownBy(() -> ids.sortedForIndex(entries))
                .isInstanceOf(CorruptPackException.class)
                .hasMessage("the pack holds object " + twice.name() + " twice, at offsets 12 and 212");
    }

    /** {@code count} offsets {@code step} apart from {@code first}, in pack order. */
    private static List<Long> offsets(int count, long first, long step) {
        Long[] offsets = new Long[count];
        Arrays.setAll(offsets, i -> first + i * step);
        return List.of(offsets);
    }
}
