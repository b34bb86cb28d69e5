package dev.gitopsagent.git;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.eclipse.jgit.lib.Constants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What resolving a pack's deltas depth first holds at once, and so how many threads may resolve them side by side:
 * in JGit's order, which it does not tell ({@code ANY}), and in the first fetch's, each base's heaviest delta last.
 */
class HeldAtOnceTest {

    private static final long LIMIT = 1000;
    private static final HeldObjectLimit HELD = new HeldObjectLimit(LIMIT);
    /** What each hand-made delta's instructions take. */
    private static final long INSTRUCTIONS = 10;

    /** Entries of a pack: whole objects and offset deltas, with what each delta makes. */
    private static final class Pack {

        final PackEntries entries = new PackEntries(100);
        final Map<Integer, Long> made = new HashMap<>();

        int whole(long size) {
            return entries.add(12 + 100L * entries.count(), 2, Constants.OBJ_BLOB, size, PackEntries.NO_BASE);
        }

        int delta(int base, long makes) {
            int entry = entries.add(12 + 100L * entries.count(), 3, Constants.OBJ_OFS_DELTA, INSTRUCTIONS, base);
            made.put(entry, makes);
            return entry;
        }

        HeldAtOnce walk(HeldAtOnce.Order order) throws FetchRefusedException {
            entries.end(12 + 100L * entries.count());
            entries.indexChildren();
            return HeldAtOnce.of(entries, entry -> made.getOrDefault(entry, 0L), Map.of(), Map.of(), HELD, order);
        }
    }

    /** A chain of {@code levels} deltas making the limit on a base of 100, each base with a delta making 1 besides if bushy. */
    private static Pack chain(int levels, boolean bushy) {
        Pack pack = new Pack();
        int base = pack.whole(100);
        for (int level = 0; level < levels; level++) {
            if (bushy) {
                pack.delta(base, 1);
            }
            base = pack.delta(base, LIMIT);
        }
        return pack;
    }

    /** A binary tree of deltas making the limit, {@code levels} deep, on a base of 100. */
    private static Pack tree(int levels) {
        Pack pack = new Pack();
        List<Integer> bases = List.of(pack.whole(100));
        for (int level = 0; level < levels; level++) {
            bases = bases.stream().flatMap(base -> Stream.of(pack.delta(base, LIMIT), pack.delta(base, LIMIT))).toList();
        }
        return pack;
    }

    static Stream<Arguments> packs() {
        // name, pack, held in JGit's order, held with each base's heaviest delta last
        return Stream.of(
                Arguments.of("no delta", chain(0, false), 0, 0),
                Arguments.of("one delta", chain(1, false), INSTRUCTIONS + LIMIT + 100, INSTRUCTIONS + LIMIT + 100),
                Arguments.of("a chain of eight: a delta, what it makes and its base", chain(8, false), INSTRUCTIONS + 2 * LIMIT,
                        INSTRUCTIONS + 2 * LIMIT),
                Arguments.of("a chain of four with a small delta on each base", chain(4, true), INSTRUCTIONS + 2 * LIMIT + 2 * LIMIT + 100,
                        INSTRUCTIONS + 2 * LIMIT),
                Arguments.of("a tree three levels deep: a base waits at every level either way", tree(3),
                        INSTRUCTIONS + 2 * LIMIT + LIMIT + 100, INSTRUCTIONS + 2 * LIMIT + LIMIT + 100));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("packs")
    void findsTheMostOneThreadHoldsAtOnce(String name, Pack pack, long anyOrder, long heaviestLast) throws Exception {
        assertThat(pack.walk(HeldAtOnce.Order.ANY).bytes()).isEqualTo(anyOrder);
        assertThat(pack.walk(HeldAtOnce.Order.HEAVIEST_LAST).bytes()).isEqualTo(heaviestLast);
    }

    @Test
    void resolvesTheDeltaBelowWhichTheMostIsHeldLastOnItsBase() throws Exception {
        Pack pack = new Pack();
        int base = pack.whole(100);
        int small = pack.delta(base, 1);
        int big = pack.delta(base, LIMIT);
        int onBig = pack.delta(big, LIMIT);

        HeldAtOnce held = pack.walk(HeldAtOnce.Order.HEAVIEST_LAST);

        assertThat(held.last().get(big)).isTrue();
        assertThat(held.last().get(small)).isFalse();
        assertThat(held.last().get(onBig)).isTrue();
        assertThat(held.where()).isEqualTo("at the delta at offset " + pack.entries.start(onBig) + " of the pack: its " + INSTRUCTIONS
                + " bytes, the " + LIMIT + " it makes, its base of " + LIMIT + " and 0 of bases that other deltas wait for");
    }

    @Test
    void namesTheBasesThatWaitAtThePeak() throws Exception {
        HeldAtOnce held = chain(4, true).walk(HeldAtOnce.Order.ANY);

        assertThat(held.where()).endsWith("its base of " + LIMIT + " and " + (2 * LIMIT + 100) + " of bases that other deltas wait for");
    }

    @Test
    void givesAsManyThreadsAsFourObjectsAtTheLimitAllowOneAtLeast() {
        assertThat(HELD.threadsFor(0, 2)).isEqualTo(2);
        assertThat(HELD.threadsFor(2 * LIMIT, 2)).isEqualTo(2);
        assertThat(HELD.threadsFor(2 * LIMIT + 1, 2)).isEqualTo(1);
        assertThat(HELD.threadsFor(LIMIT, 8)).isEqualTo(4);
        assertThat(HELD.threadsFor(4 * LIMIT, 8)).isEqualTo(1);
        assertThat(HELD.threadsFor(100 * LIMIT, 8)).isEqualTo(1);
    }
}
