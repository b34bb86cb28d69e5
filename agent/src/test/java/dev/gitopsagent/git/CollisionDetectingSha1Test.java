package dev.gitopsagent.git;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Random;
import java.util.stream.IntStream;

import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.util.sha1.SHA1;
import org.eclipse.jgit.util.sha1.Sha1CollisionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class CollisionDetectingSha1Test {

    private static final int[] INITIAL = { 0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0 };

    @Test
    void hashesAsTheJdkDoesAtEveryLengthAroundTheBlockAndPaddingBoundaries() throws Exception {
        Random random = new Random(14);
        CollisionDetectingSha1 sha = new CollisionDetectingSha1();
        for (int length = 0; length <= 300; length++) {
            byte[] data = new byte[length];
            random.nextBytes(data);
            // in pieces of random sizes, as objects arrive in chunks and headers byte by byte
            sha.reset();
            int at = 0;
            while (at < length) {
                int piece = Math.min(length - at, random.nextInt(3) == 0 ? 1 : random.nextInt(130));
                if (piece == 1) {
                    sha.update(data[at]);
                } else {
                    sha.update(data, at, piece);
                }
                at += piece;
            }
            assertThat(sha.digest()).as("%d bytes", length).isEqualTo(ObjectId.fromRaw(MessageDigest.getInstance("SHA-1").digest(data)));
        }
    }

    @Test
    void hashesAMebibyteOfRandomDataAsJgitAndTheJdkDo() throws Exception {
        // 16,384 blocks: about 800 of them make JGit's bit conditions ask for a disturbance vector's test
        byte[] data = new byte[1 << 20];
        new Random(65).nextBytes(data);
        CollisionDetectingSha1 sha = new CollisionDetectingSha1();
        sha.update(data);
        SHA1 jgit = SHA1.newInstance();
        jgit.update(data);

        assertThat(sha.digest()).isEqualTo(jgit.toObjectId()).isEqualTo(ObjectId.fromRaw(MessageDigest.getInstance("SHA-1").digest(data)));
    }

    @Test
    void detectsBothSidesOfShatteredNamingTheIdTheyShare() {
        for (byte[] side : new byte[][] { CollisionDetection.SHATTERED, CollisionDetectionTest.SHATTERED_2 }) {
            CollisionDetectingSha1 sha = new CollisionDetectingSha1();
            sha.update(side);

            assertThatThrownBy(sha::digest).isInstanceOf(Sha1CollisionException.class)
                    .hasMessageContaining("f92d74e3874587aaf443d1db961d4e26dde13e9c");
        }
    }

    @Test
    void detectsTheCollisionWhereverItStartsInTheHashedData() {
        // the same near-collision blocks behind an object header: detection follows the chaining value, not the offset
        CollisionDetectingSha1 sha = new CollisionDetectingSha1();
        sha.update(CollisionDetection.SHATTERED, 0, 100);
        sha.update(CollisionDetection.SHATTERED, 100, 220);

        assertThatThrownBy(sha::digest).isInstanceOf(Sha1CollisionException.class);
        assertThat(sha.reset()).isSameAs(sha);
        sha.update(new byte[] { 1, 2, 3 });
        assertThat(sha.digest()).isEqualTo(ObjectId.fromString("7037807198c22a7d2b0807371d763779a84fdfcf"));
    }

    @ParameterizedTest
    @ValueSource(longs = { 0, 1, 9, 10, 11, 99, 100, 101, 65_535, 1_000_000, 3_000_000_000L, Long.MAX_VALUE })
    void startsAnObjectWithItsTypeAndDecimalSizeAsGitDoes(long size) throws Exception {
        CollisionDetectingSha1 sha = ObjectResolver.beginObject(new CollisionDetectingSha1(), Constants.OBJ_TREE, size);

        byte[] header = ("tree " + size + "\0").getBytes(StandardCharsets.US_ASCII);
        assertThat(sha.digest()).isEqualTo(ObjectId.fromRaw(MessageDigest.getInstance("SHA-1").digest(header)));
    }

    static IntStream disturbanceVectors() {
        return IntStream.range(0, Integer.SIZE);
    }

    /**
     * What detection rests on beyond JGit's tables: for every disturbance vector, the paired block is a real
     * SHA-1 message (its words follow the expansion), it reaches this block's state at the vector's test
     * step from the chaining value worked out for it, and its output is what SHA-1 makes of it from there.
     */
    @ParameterizedTest
    @MethodSource("disturbanceVectors")
    void pairsEachBlockWithTheBlockItsDisturbanceVectorWouldMake(int vector) {
        Random random = new Random(vector);
        for (int round = 0; round < 4; round++) {
            byte[] block = new byte[64];
            random.nextBytes(block);
            CollisionDetectingSha1 sha = new CollisionDetectingSha1();
            sha.update(block);
            int[] words = expand(block);

            CollisionDetectingSha1.Pairing pairing = sha.pairing(vector);

            assertThat(pairing.testStep()).isIn(58, 65);
            assertThat(pairing.words()).isNotEqualTo(words);
            assertThat(expand(pairing.words())).isEqualTo(pairing.words());
            assertThat(stateAfter(pairing.chainingValue(), pairing.words(), pairing.testStep()))
                    .isEqualTo(stateAfter(INITIAL, words, pairing.testStep()));
            assertThat(pairing.output()).isEqualTo(compress(pairing.chainingValue(), pairing.words()));
        }
    }

    /** The 80 message words of a block, by the book. */
    private static int[] expand(byte[] block) {
        int[] w = new int[80];
        for (int t = 0; t < 16; t++) {
            w[t] = (block[4 * t] & 0xff) << 24 | (block[4 * t + 1] & 0xff) << 16 | (block[4 * t + 2] & 0xff) << 8 | block[4 * t + 3] & 0xff;
        }
        return expandFrom16(w);
    }

    /** The words with the last 64 worked out again from the first 16. */
    private static int[] expand(int[] words) {
        return expandFrom16(words.clone());
    }

    private static int[] expandFrom16(int[] w) {
        for (int t = 16; t < 80; t++) {
            w[t] = Integer.rotateLeft(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1);
        }
        return w;
    }

    /** The state (a, b, c, d, e) after the first {@code steps} steps from {@code chainingValue}, by the book. */
    private static int[] stateAfter(int[] chainingValue, int[] w, int steps) {
        int a = chainingValue[0];
        int b = chainingValue[1];
        int c = chainingValue[2];
        int d = chainingValue[3];
        int e = chainingValue[4];
        for (int t = 0; t < steps; t++) {
            int f;
            int k;
            if (t < 20) {
                f = (b & c) | (~b & d);
                k = 0x5A827999;
            } else if (t < 40) {
                f = b ^ c ^ d;
                k = 0x6ED9EBA1;
            } else if (t < 60) {
                f = (b & c) | (b & d) | (c & d);
                k = 0x8F1BBCDC;
            } else {
                f = b ^ c ^ d;
                k = 0xCA62C1D6;
            }
            int next = Integer.rotateLeft(a, 5) + f + e + k + w[t];
            e = d;
            d = c;
            c = Integer.rotateLeft(b, 30);
            b = a;
            a = next;
        }
        return new int[] { a, b, c, d, e };
    }

    private static int[] compress(int[] chainingValue, int[] w) {
        int[] state = stateAfter(chainingValue, w, 80);
        return IntStream.range(0, 5).map(i -> chainingValue[i] + state[i]).toArray();
    }
}
