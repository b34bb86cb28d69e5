package dev.gitopsagent.git;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Arrays;

import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.util.sha1.Sha1CollisionException;

/**
 * SHA-1 with collision detection, the same as JGit's and git's (Stevens' counter-cryptanalysis,
 * SHA-1DC), written for the C1 compiler the JVM unit runs with: hashing every object is most of a first
 * sync's time, and under C1 JGit's SHA-1 takes about half again as long as this one. The difference is in
 * the shape, not the arithmetic. The 80 steps are unrolled on local variables, each message word expanded in
 * the step that uses it (JGit expands all 80 first, in a loop, and reads each back from a field); and the
 * step functions are written out, since C1 stops inlining small methods in a method this big.
 *
 * <p>The detection is JGit's: after each block, JGit's check of the unavoidable bit conditions names the
 * disturbance vectors, of its 32, that the block's message words may follow; for each, the block is worked
 * again with the vector's message difference from the state it had at the vector's test step, backwards to
 * a chaining value and forwards to an output ({@link #collides}). If that other block lands on this block's
 * output, this block is half of a near-collision, and {@link #digest} throws. The check and the vectors
 * are JGit's own tables, looked up once in its package rather than copied here: one copy of them, and a
 * JGit that changes them changes both hashers. {@link CollisionDetection} confirms at every startup, with
 * SHAttered's blocks, that this hasher detects a real collision.
 *
 * <p>Not thread-safe: one per thread, {@linkplain #reset reset} between objects.
 */
final class CollisionDetectingSha1 {

    private static final String JGIT_CHECK = "org.eclipse.jgit.util.sha1.UbcCheck";
    private static final MethodHandle UNAVOIDABLE_BIT_CONDITIONS;
    /** By the vector's bit in the check's mask: the step whose state the vector is tested from (58 or 65). */
    private static final int[] TEST_STEP = new int[Integer.SIZE];
    /** By the vector's bit in the check's mask: its difference in each of the 80 message words. */
    private static final int[][] MESSAGE_DIFFERENCE = new int[Integer.SIZE][];

    static {
        try {
            ClassLoader loader = Sha1CollisionException.class.getClassLoader();
            Class<?> check = Class.forName(JGIT_CHECK, true, loader);
            Class<?> vector = Class.forName(JGIT_CHECK + "$DvInfo", true, loader);
            MethodHandles.Lookup jgit = MethodHandles.privateLookupIn(check, MethodHandles.lookup());
            UNAVOIDABLE_BIT_CONDITIONS = jgit.findStatic(check, "check", MethodType.methodType(int.class, int[].class));
            Object[] vectors = (Object[]) jgit.findStaticVarHandle(check, "DV", vector.arrayType()).get();
            if (vectors.length != Integer.SIZE) {
                throw new IllegalStateException("it has " + vectors.length + " disturbance vectors, one per bit of its mask was expected");
            }
            var testStep = jgit.findVarHandle(vector, "testt", int.class);
            var difference = jgit.findVarHandle(vector, "dm", int[].class);
            for (int v = 0; v < vectors.length; v++) {
                TEST_STEP[v] = (int) testStep.get(vectors[v]);
                MESSAGE_DIFFERENCE[v] = ((int[]) difference.get(vectors[v])).clone();
                if (TEST_STEP[v] != 58 && TEST_STEP[v] != 65 || MESSAGE_DIFFERENCE[v].length != 80) {
                    throw new IllegalStateException("disturbance vector " + v + " is tested at step " + TEST_STEP[v] + " with "
                            + MESSAGE_DIFFERENCE[v].length + " message words");
                }
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("JGit's SHA-1 collision detection (" + JGIT_CHECK + ") is not as this agent was built for: " + e, e);
        }
    }

    /** The block's 80 message words, kept for the unavoidable bit conditions and the vectors' tests. */
    private final int[] w = new int[80];
    /** What {@link #pair} works out: the paired block's message words, the chaining value it needs, its output. */
    private final int[] paired = new int[80];
    private final int[] pairedChainingValue = new int[5];
    private final int[] pairedOutput = new int[5];
    private final byte[] buffer = new byte[64];
    private int buffered;
    private long length;
    private int h0;
    private int h1;
    private int h2;
    private int h3;
    private int h4;
    /** The block's state (a, b, c, d, e) after 58 and after 65 steps, which the disturbance vectors are tested from. */
    private final int[] after58 = new int[5];
    private final int[] after65 = new int[5];
    private boolean collision;

    CollisionDetectingSha1() {
        reset();
    }

    CollisionDetectingSha1 reset() {
        h0 = 0x67452301;
        h1 = 0xEFCDAB89;
        h2 = 0x98BADCFE;
        h3 = 0x10325476;
        h4 = 0xC3D2E1F0;
        buffered = 0;
        length = 0;
        collision = false;
        return this;
    }

    void update(byte b) {
        length++;
        buffer[buffered++] = b;
        if (buffered == buffer.length) {
            compress(buffer, 0);
            buffered = 0;
        }
    }

    void update(byte[] data) {
        update(data, 0, data.length);
    }

    void update(byte[] data, int offset, int count) {
        length += count;
        int from = offset;
        int left = count;
        if (buffered > 0) {
            int taken = Math.min(buffer.length - buffered, left);
            System.arraycopy(data, from, buffer, buffered, taken);
            buffered += taken;
            from += taken;
            left -= taken;
            if (buffered < buffer.length) {
                return;
            }
            compress(buffer, 0);
            buffered = 0;
        }
        for (; left >= buffer.length; from += buffer.length, left -= buffer.length) {
            compress(data, from);
        }
        System.arraycopy(data, from, buffer, 0, left);
        buffered = left;
    }

    /**
     * The hash of what was given since the last {@link #reset}, which must come before this hasher is used
     * again.
     *
     * @throws Sha1CollisionException if a block of it is half of a near-collision, with the id it would have
     */
    ObjectId digest() {
        long bits = length << 3;
        buffer[buffered++] = (byte) 0x80;
        if (buffered > buffer.length - Long.BYTES) {
            Arrays.fill(buffer, buffered, buffer.length, (byte) 0);
            compress(buffer, 0);
            buffered = 0;
        }
        Arrays.fill(buffer, buffered, buffer.length - Long.BYTES, (byte) 0);
        for (int i = 0; i < Long.BYTES; i++) {
            buffer[buffer.length - Long.BYTES + i] = (byte) (bits >>> (Long.SIZE - Byte.SIZE * (i + 1)));
        }
        compress(buffer, 0);
        ObjectId id = new ObjectId(h0, h1, h2, h3, h4);
        if (collision) {
            throw new Sha1CollisionException(id);
        }
        return id;
    }

    /** One 64-byte block from {@code m} at {@code o}: its 80 steps, then the disturbance vectors' tests. */
    private void compress(byte[] m, int o) {
        int[] w = this.w;
        int a = h0;
        int b = h1;
        int c = h2;
        int d = h3;
        int e = h4;
        int x;
        // steps 0 to 19: choose; the message words come from the block
        w[0] = x = m[o + 0] << 24 | (m[o + 1] & 0xff) << 16 | (m[o + 2] & 0xff) << 8 | m[o + 3] & 0xff;
        e += (a << 5 | a >>> 27) + (b & c | ~b & d) + 0x5A827999 + x; b = b << 30 | b >>> 2;
        w[1] = x = m[o + 4] << 24 | (m[o + 5] & 0xff) << 16 | (m[o + 6] & 0xff) << 8 | m[o + 7] & 0xff;
        d += (e << 5 | e >>> 27) + (a & b | ~a & c) + 0x5A827999 + x; a = a << 30 | a >>> 2;
        w[2] = x = m[o + 8] << 24 | (m[o + 9] & 0xff) << 16 | (m[o + 10] & 0xff) << 8 | m[o + 11] & 0xff;
        c += (d << 5 | d >>> 27) + (e & a | ~e & b) + 0x5A827999 + x; e = e << 30 | e >>> 2;
        w[3] = x = m[o + 12] << 24 | (m[o + 13] & 0xff) << 16 | (m[o + 14] & 0xff) << 8 | m[o + 15] & 0xff;
        b += (c << 5 | c >>> 27) + (d & e | ~d & a) + 0x5A827999 + x; d = d << 30 | d >>> 2;
        w[4] = x = m[o + 16] << 24 | (m[o + 17] & 0xff) << 16 | (m[o + 18] & 0xff) << 8 | m[o + 19] & 0xff;
        a += (b << 5 | b >>> 27) + (c & d | ~c & e) + 0x5A827999 + x; c = c << 30 | c >>> 2;
        w[5] = x = m[o + 20] << 24 | (m[o + 21] & 0xff) << 16 | (m[o + 22] & 0xff) << 8 | m[o + 23] & 0xff;
        e += (a << 5 | a >>> 27) + (b & c | ~b & d) + 0x5A827999 + x; b = b << 30 | b >>> 2;
        w[6] = x = m[o + 24] << 24 | (m[o + 25] & 0xff) << 16 | (m[o + 26] & 0xff) << 8 | m[o + 27] & 0xff;
        d += (e << 5 | e >>> 27) + (a & b | ~a & c) + 0x5A827999 + x; a = a << 30 | a >>> 2;
        w[7] = x = m[o + 28] << 24 | (m[o + 29] & 0xff) << 16 | (m[o + 30] & 0xff) << 8 | m[o + 31] & 0xff;
        c += (d << 5 | d >>> 27) + (e & a | ~e & b) + 0x5A827999 + x; e = e << 30 | e >>> 2;
        w[8] = x = m[o + 32] << 24 | (m[o + 33] & 0xff) << 16 | (m[o + 34] & 0xff) << 8 | m[o + 35] & 0xff;
        b += (c << 5 | c >>> 27) + (d & e | ~d & a) + 0x5A827999 + x; d = d << 30 | d >>> 2;
        w[9] = x = m[o + 36] << 24 | (m[o + 37] & 0xff) << 16 | (m[o + 38] & 0xff) << 8 | m[o + 39] & 0xff;
        a += (b << 5 | b >>> 27) + (c & d | ~c & e) + 0x5A827999 + x; c = c << 30 | c >>> 2;
        w[10] = x = m[o + 40] << 24 | (m[o + 41] & 0xff) << 16 | (m[o + 42] & 0xff) << 8 | m[o + 43] & 0xff;
        e += (a << 5 | a >>> 27) + (b & c | ~b & d) + 0x5A827999 + x; b = b << 30 | b >>> 2;
        w[11] = x = m[o + 44] << 24 | (m[o + 45] & 0xff) << 16 | (m[o + 46] & 0xff) << 8 | m[o + 47] & 0xff;
        d += (e << 5 | e >>> 27) + (a & b | ~a & c) + 0x5A827999 + x; a = a << 30 | a >>> 2;
        w[12] = x = m[o + 48] << 24 | (m[o + 49] & 0xff) << 16 | (m[o + 50] & 0xff) << 8 | m[o + 51] & 0xff;
        c += (d << 5 | d >>> 27) + (e & a | ~e & b) + 0x5A827999 + x; e = e << 30 | e >>> 2;
        w[13] = x = m[o + 52] << 24 | (m[o + 53] & 0xff) << 16 | (m[o + 54] & 0xff) << 8 | m[o + 55] & 0xff;
        b += (c << 5 | c >>> 27) + (d & e | ~d & a) + 0x5A827999 + x; d = d << 30 | d >>> 2;
        w[14] = x = m[o + 56] << 24 | (m[o + 57] & 0xff) << 16 | (m[o + 58] & 0xff) << 8 | m[o + 59] & 0xff;
        a += (b << 5 | b >>> 27) + (c & d | ~c & e) + 0x5A827999 + x; c = c << 30 | c >>> 2;
        w[15] = x = m[o + 60] << 24 | (m[o + 61] & 0xff) << 16 | (m[o + 62] & 0xff) << 8 | m[o + 63] & 0xff;
        e += (a << 5 | a >>> 27) + (b & c | ~b & d) + 0x5A827999 + x; b = b << 30 | b >>> 2;
        // from step 16 on, each message word is expanded from earlier ones
        x = w[13] ^ w[8] ^ w[2] ^ w[0]; w[16] = x = x << 1 | x >>> 31;
        d += (e << 5 | e >>> 27) + (a & b | ~a & c) + 0x5A827999 + x; a = a << 30 | a >>> 2;
        x = w[14] ^ w[9] ^ w[3] ^ w[1]; w[17] = x = x << 1 | x >>> 31;
        c += (d << 5 | d >>> 27) + (e & a | ~e & b) + 0x5A827999 + x; e = e << 30 | e >>> 2;
        x = w[15] ^ w[10] ^ w[4] ^ w[2]; w[18] = x = x << 1 | x >>> 31;
        b += (c << 5 | c >>> 27) + (d & e | ~d & a) + 0x5A827999 + x; d = d << 30 | d >>> 2;
        x = w[16] ^ w[11] ^ w[5] ^ w[3]; w[19] = x = x << 1 | x >>> 31;
        a += (b << 5 | b >>> 27) + (c & d | ~c & e) + 0x5A827999 + x; c = c << 30 | c >>> 2;
        // steps 20 to 39: parity
        x = w[17] ^ w[12] ^ w[6] ^ w[4]; w[20] = x = x << 1 | x >>> 31;
        e += (a << 5 | a >>> 27) + (b ^ c ^ d) + 0x6ED9EBA1 + x; b = b << 30 | b >>> 2;
        x = w[18] ^ w[13] ^ w[7] ^ w[5]; w[21] = x = x << 1 | x >>> 31;
        d += (e << 5 | e >>> 27) + (a ^ b ^ c) + 0x6ED9EBA1 + x; a = a << 30 | a >>> 2;
        x = w[19] ^ w[14] ^ w[8] ^ w[6]; w[22] = x = x << 1 | x >>> 31;
        c += (d << 5 | d >>> 27) + (e ^ a ^ b) + 0x6ED9EBA1 + x; e = e << 30 | e >>> 2;
        x = w[20] ^ w[15] ^ w[9] ^ w[7]; w[23] = x = x << 1 | x >>> 31;
        b += (c << 5 | c >>> 27) + (d ^ e ^ a) + 0x6ED9EBA1 + x; d = d << 30 | d >>> 2;
        x = w[21] ^ w[16] ^ w[10] ^ w[8]; w[24] = x = x << 1 | x >>> 31;
        a += (b << 5 | b >>> 27) + (c ^ d ^ e) + 0x6ED9EBA1 + x; c = c << 30 | c >>> 2;
        x = w[22] ^ w[17] ^ w[11] ^ w[9]; w[25] = x = x << 1 | x >>> 31;
        e += (a << 5 | a >>> 27) + (b ^ c ^ d) + 0x6ED9EBA1 + x; b = b << 30 | b >>> 2;
        x = w[23] ^ w[18] ^ w[12] ^ w[10]; w[26] = x = x << 1 | x >>> 31;
        d += (e << 5 | e >>> 27) + (a ^ b ^ c) + 0x6ED9EBA1 + x; a = a << 30 | a >>> 2;
        x = w[24] ^ w[19] ^ w[13] ^ w[11]; w[27] = x = x << 1 | x >>> 31;
        c += (d << 5 | d >>> 27) + (e ^ a ^ b) + 0x6ED9EBA1 + x; e = e << 30 | e >>> 2;
        x = w[25] ^ w[20] ^ w[14] ^ w[12]; w[28] = x = x << 1 | x >>> 31;
        b += (c << 5 | c >>> 27) + (d ^ e ^ a) + 0x6ED9EBA1 + x; d = d << 30 | d >>> 2;
        x = w[26] ^ w[21] ^ w[15] ^ w[13]; w[29] = x = x << 1 | x >>> 31;
        a += (b << 5 | b >>> 27) + (c ^ d ^ e) + 0x6ED9EBA1 + x; c = c << 30 | c >>> 2;
        x = w[27] ^ w[22] ^ w[16] ^ w[14]; w[30] = x = x << 1 | x >>> 31;
        e += (a << 5 | a >>> 27) + (b ^ c ^ d) + 0x6ED9EBA1 + x; b = b << 30 | b >>> 2;
        x = w[28] ^ w[23] ^ w[17] ^ w[15]; w[31] = x = x << 1 | x >>> 31;
        d += (e << 5 | e >>> 27) + (a ^ b ^ c) + 0x6ED9EBA1 + x; a = a << 30 | a >>> 2;
        x = w[29] ^ w[24] ^ w[18] ^ w[16]; w[32] = x = x << 1 | x >>> 31;
        c += (d << 5 | d >>> 27) + (e ^ a ^ b) + 0x6ED9EBA1 + x; e = e << 30 | e >>> 2;
        x = w[30] ^ w[25] ^ w[19] ^ w[17]; w[33] = x = x << 1 | x >>> 31;
        b += (c << 5 | c >>> 27) + (d ^ e ^ a) + 0x6ED9EBA1 + x; d = d << 30 | d >>> 2;
        x = w[31] ^ w[26] ^ w[20] ^ w[18]; w[34] = x = x << 1 | x >>> 31;
        a += (b << 5 | b >>> 27) + (c ^ d ^ e) + 0x6ED9EBA1 + x; c = c << 30 | c >>> 2;
        x = w[32] ^ w[27] ^ w[21] ^ w[19]; w[35] = x = x << 1 | x >>> 31;
        e += (a << 5 | a >>> 27) + (b ^ c ^ d) + 0x6ED9EBA1 + x; b = b << 30 | b >>> 2;
        x = w[33] ^ w[28] ^ w[22] ^ w[20]; w[36] = x = x << 1 | x >>> 31;
        d += (e << 5 | e >>> 27) + (a ^ b ^ c) + 0x6ED9EBA1 + x; a = a << 30 | a >>> 2;
        x = w[34] ^ w[29] ^ w[23] ^ w[21]; w[37] = x = x << 1 | x >>> 31;
        c += (d << 5 | d >>> 27) + (e ^ a ^ b) + 0x6ED9EBA1 + x; e = e << 30 | e >>> 2;
        x = w[35] ^ w[30] ^ w[24] ^ w[22]; w[38] = x = x << 1 | x >>> 31;
        b += (c << 5 | c >>> 27) + (d ^ e ^ a) + 0x6ED9EBA1 + x; d = d << 30 | d >>> 2;
        x = w[36] ^ w[31] ^ w[25] ^ w[23]; w[39] = x = x << 1 | x >>> 31;
        a += (b << 5 | b >>> 27) + (c ^ d ^ e) + 0x6ED9EBA1 + x; c = c << 30 | c >>> 2;
        // steps 40 to 59: majority
        x = w[37] ^ w[32] ^ w[26] ^ w[24]; w[40] = x = x << 1 | x >>> 31;
        e += (a << 5 | a >>> 27) + (b & c | b & d | c & d) + 0x8F1BBCDC + x; b = b << 30 | b >>> 2;
        x = w[38] ^ w[33] ^ w[27] ^ w[25]; w[41] = x = x << 1 | x >>> 31;
        d += (e << 5 | e >>> 27) + (a & b | a & c | b & c) + 0x8F1BBCDC + x; a = a << 30 | a >>> 2;
        x = w[39] ^ w[34] ^ w[28] ^ w[26]; w[42] = x = x << 1 | x >>> 31;
        c += (d << 5 | d >>> 27) + (e & a | e & b | a & b) + 0x8F1BBCDC + x; e = e << 30 | e >>> 2;
        x = w[40] ^ w[35] ^ w[29] ^ w[27]; w[43] = x = x << 1 | x >>> 31;
        b += (c << 5 | c >>> 27) + (d & e | d & a | e & a) + 0x8F1BBCDC + x; d = d << 30 | d >>> 2;
        x = w[41] ^ w[36] ^ w[30] ^ w[28]; w[44] = x = x << 1 | x >>> 31;
        a += (b << 5 | b >>> 27) + (c & d | c & e | d & e) + 0x8F1BBCDC + x; c = c << 30 | c >>> 2;
        x = w[42] ^ w[37] ^ w[31] ^ w[29]; w[45] = x = x << 1 | x >>> 31;
        e += (a << 5 | a >>> 27) + (b & c | b & d | c & d) + 0x8F1BBCDC + x; b = b << 30 | b >>> 2;
        x = w[43] ^ w[38] ^ w[32] ^ w[30]; w[46] = x = x << 1 | x >>> 31;
        d += (e << 5 | e >>> 27) + (a & b | a & c | b & c) + 0x8F1BBCDC + x; a = a << 30 | a >>> 2;
        x = w[44] ^ w[39] ^ w[33] ^ w[31]; w[47] = x = x << 1 | x >>> 31;
        c += (d << 5 | d >>> 27) + (e & a | e & b | a & b) + 0x8F1BBCDC + x; e = e << 30 | e >>> 2;
        x = w[45] ^ w[40] ^ w[34] ^ w[32]; w[48] = x = x << 1 | x >>> 31;
        b += (c << 5 | c >>> 27) + (d & e | d & a | e & a) + 0x8F1BBCDC + x; d = d << 30 | d >>> 2;
        x = w[46] ^ w[41] ^ w[35] ^ w[33]; w[49] = x = x << 1 | x >>> 31;
        a += (b << 5 | b >>> 27) + (c & d | c & e | d & e) + 0x8F1BBCDC + x; c = c << 30 | c >>> 2;
        x = w[47] ^ w[42] ^ w[36] ^ w[34]; w[50] = x = x << 1 | x >>> 31;
        e += (a << 5 | a >>> 27) + (b & c | b & d | c & d) + 0x8F1BBCDC + x; b = b << 30 | b >>> 2;
        x = w[48] ^ w[43] ^ w[37] ^ w[35]; w[51] = x = x << 1 | x >>> 31;
        d += (e << 5 | e >>> 27) + (a & b | a & c | b & c) + 0x8F1BBCDC + x; a = a << 30 | a >>> 2;
        x = w[49] ^ w[44] ^ w[38] ^ w[36]; w[52] = x = x << 1 | x >>> 31;
        c += (d << 5 | d >>> 27) + (e & a | e & b | a & b) + 0x8F1BBCDC + x; e = e << 30 | e >>> 2;
        x = w[50] ^ w[45] ^ w[39] ^ w[37]; w[53] = x = x << 1 | x >>> 31;
        b += (c << 5 | c >>> 27) + (d & e | d & a | e & a) + 0x8F1BBCDC + x; d = d << 30 | d >>> 2;
        x = w[51] ^ w[46] ^ w[40] ^ w[38]; w[54] = x = x << 1 | x >>> 31;
        a += (b << 5 | b >>> 27) + (c & d | c & e | d & e) + 0x8F1BBCDC + x; c = c << 30 | c >>> 2;
        x = w[52] ^ w[47] ^ w[41] ^ w[39]; w[55] = x = x << 1 | x >>> 31;
        e += (a << 5 | a >>> 27) + (b & c | b & d | c & d) + 0x8F1BBCDC + x; b = b << 30 | b >>> 2;
        x = w[53] ^ w[48] ^ w[42] ^ w[40]; w[56] = x = x << 1 | x >>> 31;
        d += (e << 5 | e >>> 27) + (a & b | a & c | b & c) + 0x8F1BBCDC + x; a = a << 30 | a >>> 2;
        x = w[54] ^ w[49] ^ w[43] ^ w[41]; w[57] = x = x << 1 | x >>> 31;
        c += (d << 5 | d >>> 27) + (e & a | e & b | a & b) + 0x8F1BBCDC + x; e = e << 30 | e >>> 2;
        after58[0] = c; after58[1] = d; after58[2] = e; after58[3] = a; after58[4] = b;
        x = w[55] ^ w[50] ^ w[44] ^ w[42]; w[58] = x = x << 1 | x >>> 31;
        b += (c << 5 | c >>> 27) + (d & e | d & a | e & a) + 0x8F1BBCDC + x; d = d << 30 | d >>> 2;
        x = w[56] ^ w[51] ^ w[45] ^ w[43]; w[59] = x = x << 1 | x >>> 31;
        a += (b << 5 | b >>> 27) + (c & d | c & e | d & e) + 0x8F1BBCDC + x; c = c << 30 | c >>> 2;
        // steps 60 to 79: parity
        x = w[57] ^ w[52] ^ w[46] ^ w[44]; w[60] = x = x << 1 | x >>> 31;
        e += (a << 5 | a >>> 27) + (b ^ c ^ d) + 0xCA62C1D6 + x; b = b << 30 | b >>> 2;
        x = w[58] ^ w[53] ^ w[47] ^ w[45]; w[61] = x = x << 1 | x >>> 31;
        d += (e << 5 | e >>> 27) + (a ^ b ^ c) + 0xCA62C1D6 + x; a = a << 30 | a >>> 2;
        x = w[59] ^ w[54] ^ w[48] ^ w[46]; w[62] = x = x << 1 | x >>> 31;
        c += (d << 5 | d >>> 27) + (e ^ a ^ b) + 0xCA62C1D6 + x; e = e << 30 | e >>> 2;
        x = w[60] ^ w[55] ^ w[49] ^ w[47]; w[63] = x = x << 1 | x >>> 31;
        b += (c << 5 | c >>> 27) + (d ^ e ^ a) + 0xCA62C1D6 + x; d = d << 30 | d >>> 2;
        x = w[61] ^ w[56] ^ w[50] ^ w[48]; w[64] = x = x << 1 | x >>> 31;
        a += (b << 5 | b >>> 27) + (c ^ d ^ e) + 0xCA62C1D6 + x; c = c << 30 | c >>> 2;
        after65[0] = a; after65[1] = b; after65[2] = c; after65[3] = d; after65[4] = e;
        x = w[62] ^ w[57] ^ w[51] ^ w[49]; w[65] = x = x << 1 | x >>> 31;
        e += (a << 5 | a >>> 27) + (b ^ c ^ d) + 0xCA62C1D6 + x; b = b << 30 | b >>> 2;
        x = w[63] ^ w[58] ^ w[52] ^ w[50]; w[66] = x = x << 1 | x >>> 31;
        d += (e << 5 | e >>> 27) + (a ^ b ^ c) + 0xCA62C1D6 + x; a = a << 30 | a >>> 2;
        x = w[64] ^ w[59] ^ w[53] ^ w[51]; w[67] = x = x << 1 | x >>> 31;
        c += (d << 5 | d >>> 27) + (e ^ a ^ b) + 0xCA62C1D6 + x; e = e << 30 | e >>> 2;
        x = w[65] ^ w[60] ^ w[54] ^ w[52]; w[68] = x = x << 1 | x >>> 31;
        b += (c << 5 | c >>> 27) + (d ^ e ^ a) + 0xCA62C1D6 + x; d = d << 30 | d >>> 2;
        x = w[66] ^ w[61] ^ w[55] ^ w[53]; w[69] = x = x << 1 | x >>> 31;
        a += (b << 5 | b >>> 27) + (c ^ d ^ e) + 0xCA62C1D6 + x; c = c << 30 | c >>> 2;
        x = w[67] ^ w[62] ^ w[56] ^ w[54]; w[70] = x = x << 1 | x >>> 31;
        e += (a << 5 | a >>> 27) + (b ^ c ^ d) + 0xCA62C1D6 + x; b = b << 30 | b >>> 2;
        x = w[68] ^ w[63] ^ w[57] ^ w[55]; w[71] = x = x << 1 | x >>> 31;
        d += (e << 5 | e >>> 27) + (a ^ b ^ c) + 0xCA62C1D6 + x; a = a << 30 | a >>> 2;
        x = w[69] ^ w[64] ^ w[58] ^ w[56]; w[72] = x = x << 1 | x >>> 31;
        c += (d << 5 | d >>> 27) + (e ^ a ^ b) + 0xCA62C1D6 + x; e = e << 30 | e >>> 2;
        x = w[70] ^ w[65] ^ w[59] ^ w[57]; w[73] = x = x << 1 | x >>> 31;
        b += (c << 5 | c >>> 27) + (d ^ e ^ a) + 0xCA62C1D6 + x; d = d << 30 | d >>> 2;
        x = w[71] ^ w[66] ^ w[60] ^ w[58]; w[74] = x = x << 1 | x >>> 31;
        a += (b << 5 | b >>> 27) + (c ^ d ^ e) + 0xCA62C1D6 + x; c = c << 30 | c >>> 2;
        x = w[72] ^ w[67] ^ w[61] ^ w[59]; w[75] = x = x << 1 | x >>> 31;
        e += (a << 5 | a >>> 27) + (b ^ c ^ d) + 0xCA62C1D6 + x; b = b << 30 | b >>> 2;
        x = w[73] ^ w[68] ^ w[62] ^ w[60]; w[76] = x = x << 1 | x >>> 31;
        d += (e << 5 | e >>> 27) + (a ^ b ^ c) + 0xCA62C1D6 + x; a = a << 30 | a >>> 2;
        x = w[74] ^ w[69] ^ w[63] ^ w[61]; w[77] = x = x << 1 | x >>> 31;
        c += (d << 5 | d >>> 27) + (e ^ a ^ b) + 0xCA62C1D6 + x; e = e << 30 | e >>> 2;
        x = w[75] ^ w[70] ^ w[64] ^ w[62]; w[78] = x = x << 1 | x >>> 31;
        b += (c << 5 | c >>> 27) + (d ^ e ^ a) + 0xCA62C1D6 + x; d = d << 30 | d >>> 2;
        x = w[76] ^ w[71] ^ w[65] ^ w[63]; w[79] = x = x << 1 | x >>> 31;
        a += (b << 5 | b >>> 27) + (c ^ d ^ e) + 0xCA62C1D6 + x; c = c << 30 | c >>> 2;
        h0 += a;
        h1 += b;
        h2 += c;
        h3 += d;
        h4 += e;
        for (int vectors = unavoidableBitConditions(w); vectors != 0 && !collision; vectors &= vectors - 1) {
            collision = collides(Integer.numberOfTrailingZeros(vectors));
        }
    }

    private static int unavoidableBitConditions(int[] w) {
        try {
            return (int) UNAVOIDABLE_BIT_CONDITIONS.invokeExact(w);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            // the method handle's type declares Throwable; JGit's check throws nothing checked
            throw new IllegalStateException(e);
        }
    }

    /** Whether the block just compressed is half of a near-collision along disturbance vector {@code v}. */
    private boolean collides(int v) {
        pair(v);
        return pairedOutput[0] == h0 && pairedOutput[1] == h1 && pairedOutput[2] == h2 && pairedOutput[3] == h3 && pairedOutput[4] == h4;
    }

    /**
     * Works out the block disturbance vector {@code v} pairs with the block just compressed: its message
     * words (this block's, with the vector's difference), the chaining value it needs to reach this block's
     * state at the vector's test step (worked backwards from there), and its output (worked forwards). A
     * near-collision attack along the vector makes that output this block's. Into fields: about one block in
     * twenty asks for a test, and a first sync hashes millions of blocks in a small heap.
     */
    private void pair(int v) {
        int[] difference = MESSAGE_DIFFERENCE[v];
        for (int t = 0; t < paired.length; t++) {
            paired[t] = w[t] ^ difference[t];
        }
        int testStep = TEST_STEP[v];
        int[] atTestStep = testStep == 58 ? after58 : after65;
        int a = atTestStep[0];
        int b = atTestStep[1];
        int c = atTestStep[2];
        int d = atTestStep[3];
        int e = atTestStep[4];
        // backwards, undoing each step: the step functions written out, as in compress, one loop per function
        int t = testStep - 1;
        for (; t >= 60; t--) {
            int earlierA = b;
            b = c << 2 | c >>> 30;
            c = d;
            d = e;
            e = a - (earlierA << 5 | earlierA >>> 27) - ((b ^ c ^ d) + 0xCA62C1D6) - paired[t];
            a = earlierA;
        }
        for (; t >= 40; t--) {
            int earlierA = b;
            b = c << 2 | c >>> 30;
            c = d;
            d = e;
            e = a - (earlierA << 5 | earlierA >>> 27) - ((b & c | b & d | c & d) + 0x8F1BBCDC) - paired[t];
            a = earlierA;
        }
        for (; t >= 20; t--) {
            int earlierA = b;
            b = c << 2 | c >>> 30;
            c = d;
            d = e;
            e = a - (earlierA << 5 | earlierA >>> 27) - ((b ^ c ^ d) + 0x6ED9EBA1) - paired[t];
            a = earlierA;
        }
        for (; t >= 0; t--) {
            int earlierA = b;
            b = c << 2 | c >>> 30;
            c = d;
            d = e;
            e = a - (earlierA << 5 | earlierA >>> 27) - ((b & c | ~b & d) + 0x5A827999) - paired[t];
            a = earlierA;
        }
        pairedChainingValue[0] = a;
        pairedChainingValue[1] = b;
        pairedChainingValue[2] = c;
        pairedChainingValue[3] = d;
        pairedChainingValue[4] = e;
        a = atTestStep[0];
        b = atTestStep[1];
        c = atTestStep[2];
        d = atTestStep[3];
        e = atTestStep[4];
        for (t = testStep; t < 60; t++) {
            int next = (a << 5 | a >>> 27) + (b & c | b & d | c & d) + 0x8F1BBCDC + e + paired[t];
            e = d;
            d = c;
            c = b << 30 | b >>> 2;
            b = a;
            a = next;
        }
        for (; t < paired.length; t++) {
            int next = (a << 5 | a >>> 27) + (b ^ c ^ d) + 0xCA62C1D6 + e + paired[t];
            e = d;
            d = c;
            c = b << 30 | b >>> 2;
            b = a;
            a = next;
        }
        pairedOutput[0] = pairedChainingValue[0] + a;
        pairedOutput[1] = pairedChainingValue[1] + b;
        pairedOutput[2] = pairedChainingValue[2] + c;
        pairedOutput[3] = pairedChainingValue[3] + d;
        pairedOutput[4] = pairedChainingValue[4] + e;
    }

    /** What {@link #pair} works out for disturbance vector {@code v}, for the block just compressed. */
    Pairing pairing(int v) {
        pair(v);
        return new Pairing(TEST_STEP[v], paired.clone(), pairedChainingValue.clone(), pairedOutput.clone());
    }

    record Pairing(int testStep, int[] words, int[] chainingValue, int[] output) {
    }
}
