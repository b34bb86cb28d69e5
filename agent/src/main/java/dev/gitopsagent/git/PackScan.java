package dev.gitopsagent.git;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.util.NB;

/**
 * The first, sequential pass over a received pack stream ({@link FirstPackParser}): reads the header
 * and every entry, copies the stream to the pack file, takes each entry's CRC-32 and the pack's
 * checksum, and inflates every entry once, to find where it ends and to confirm it inflates to its
 * declared size. Whole objects are handed on ({@link Objects}), and so are offset deltas small enough
 * to hold, for whoever can resolve them while the stream is still arriving; every delta is noted
 * ({@link PackEntries}), so what was not resolved then is resolved from the pack file once all of it is in.
 *
 * <p>Everything is read from a 64 KiB buffer, never a byte at a time from the stream, and anything the
 * pack declares is checked before it is trusted: the version, every object's kind, that an offset
 * delta points back to where an entry starts, that no entry inflates to more or less than it says, no
 * more entries than the header counts, and the checksum at the end. An entry that is to be held whole
 * (every one but a whole blob, which streams) is refused as soon as more of it has inflated than
 * {@link HeldObjectLimit} allows, and a delta as soon as its header declares a base or a result over it.
 * The same scan checks a later fetch's pack before JGit's parser reads it ({@link PackSpool}).
 */
final class PackScan {

    /** What the scan hands on of each whole object. */
    interface Objects {

        /** How many entries the pack header announces: no more will come. */
        void expect(int count);

        /** A whole object small enough to be held: to be hashed and checked, on another thread if need be. */
        void whole(int entry, int type, byte[] data) throws IOException;

        /** A whole blob too big to be held; its data follows in pieces, then {@link Chunks#end()}. */
        Chunks bigBlob(int entry, long size) throws IOException;

        /**
         * An offset delta of at most {@link #HOLD_LIMIT} bytes, inflated, on the earlier entry {@code base}:
         * to be resolved now if its base is at hand. It stays noted in the entries either way.
         */
        void delta(int entry, long start, int base, byte[] delta) throws IOException;

        /** What a delta's header declares, once it is read and within the held limit: its base's size and its result's. */
        default void deltaSizes(int entry, long baseSize, long resultSize) {
            // most need only what the delta makes, once it is made
        }
    }

    /** Where inflated data goes, piece by piece. */
    interface Sink {

        void update(byte[] data, int offset, int length) throws IOException;
    }

    /** The pieces of a big blob, in order. */
    interface Chunks extends Sink {

        void end() throws IOException;
    }

    /** A whole blob bigger than this is streamed rather than held, as JGit's pack parser does. */
    static final int HOLD_LIMIT = 1 << 20;
    private static final int HEADER_LENGTH = 12;
    private static final int NOT_A_DELTA = -1;
    private static final byte[] SIGNATURE = Constants.PACK_SIGNATURE;

    private final InputStream in;
    private final OutputStream file;
    private final Objects objects;
    private final long maxObjectSize;
    private final HeldObjectLimit heldLimit;
    private final byte[] buf = new byte[64 << 10];
    private final byte[] scratch = new byte[64 << 10];
    private final Inflater inflater = new Inflater();
    private final CRC32 crc = new CRC32();
    private final MessageDigest packDigest = Constants.newMessageDigest();
    /** Offset in the pack of buf[0]. */
    private long bufStart;
    private int pos;
    private int avail;
    /** buf[0..written) is in the file (and the digest). */
    private int written;
    private boolean digesting = true;
    private PackEntries entries;

    private PackScan(InputStream in, OutputStream file, Objects objects, long maxObjectSize, HeldObjectLimit heldLimit) {
        this.in = in;
        this.file = file;
        this.objects = objects;
        this.maxObjectSize = maxObjectSize;
        this.heldLimit = heldLimit;
    }

    /**
     * Reads the whole pack from {@code in}, writing it to {@code file}, and returns its entries and
     * checksum. {@code maxObjectSize} is the largest object accepted, or 0 for no limit (JGit's); {@code heldLimit},
     * the largest one that is to be held whole, now or once the pack is in: every object but a whole blob.
     */
    static Scanned scan(InputStream in, OutputStream file, Objects objects, long maxObjectSize, HeldObjectLimit heldLimit,
            boolean expectEof) throws IOException {
        PackScan scan = new PackScan(in, file, objects, maxObjectSize, heldLimit);
        try {
            return scan.run(expectEof);
        } finally {
            scan.inflater.end();
        }
    }

    /** The entries of the pack, and the checksum it ends with (the name of its files). */
    record Scanned(PackEntries entries, byte[] checksum) {
    }

    private Scanned run(boolean expectEof) throws IOException {
        byte[] header = new byte[HEADER_LENGTH];
        for (int i = 0; i < HEADER_LENGTH; i++) {
            header[i] = (byte) readByte();
        }
        if (!Arrays.equals(header, 0, SIGNATURE.length, SIGNATURE, 0, SIGNATURE.length)) {
            throw new CorruptPackException("the stream does not start with a pack signature");
        }
        long version = NB.decodeUInt32(header, 4);
        if (version != 2 && version != 3) {
            throw new CorruptPackException("the pack is of version " + version + "; only versions 2 and 3 exist");
        }
        long count = NB.decodeUInt32(header, 8);
        if (count > Integer.MAX_VALUE - 8) {
            throw new CorruptPackException("the pack announces " + count + " objects, more than one pack can index");
        }
        entries = new PackEntries(count);
        objects.expect((int) count);
        for (long i = 0; i < count; i++) {
            entry();
        }
        entries.end(offset());
        flush();
        byte[] computed = packDigest.digest();
        digesting = false;
        byte[] trailer = new byte[computed.length];
        for (int i = 0; i < trailer.length; i++) {
            trailer[i] = (byte) readByte();
        }
        flush();
        if (!Arrays.equals(computed, trailer)) {
            throw new CorruptPackException("the pack's checksum " + ObjectId.fromRaw(trailer).name() + " is not that of its content, "
                    + ObjectId.fromRaw(computed).name());
        }
        if (expectEof && (pos < avail || in.read() >= 0)) {
            throw new CorruptPackException("the stream goes on after the pack's checksum");
        }
        return new Scanned(entries, trailer);
    }

    private void entry() throws IOException {
        long start = offset();
        crc.reset();
        int c = readByte();
        int kind = (c >> 4) & 7;
        long size = c & 15;
        int shift = 4;
        while ((c & 0x80) != 0) {
            if (shift > 56) {
                throw corrupt(start, "its size does not fit in 64 bits");
            }
            c = readByte();
            size += (long) (c & 0x7f) << shift;
            shift += 7;
        }
        if (maxObjectSize > 0 && size > maxObjectSize) {
            throw corrupt(start, "it is " + size + " bytes, more than the limit of " + maxObjectSize);
        }
        switch (kind) {
            case Constants.OBJ_COMMIT, Constants.OBJ_TREE, Constants.OBJ_BLOB, Constants.OBJ_TAG -> {
                int entry = entries.add(start, (int) (offset() - start), kind, size, PackEntries.NO_BASE);
                whole(entry, start, kind, size);
            }
            case Constants.OBJ_OFS_DELTA -> {
                c = readByte();
                long back = c & 0x7f;
                while ((c & 0x80) != 0) {
                    if (back > (Long.MAX_VALUE >>> 7) - 1) {
                        throw corrupt(start, "its base offset does not fit in 64 bits");
                    }
                    c = readByte();
                    back = ((back + 1) << 7) + (c & 0x7f);
                }
                int base = back <= 0 || back > start ? PackEntries.NO_BASE : entries.entryAt(start - back);
                if (base == PackEntries.NO_BASE) {
                    throw corrupt(start, "it is a delta on offset " + (start - back) + ", where no earlier object starts");
                }
                int entry = entries.add(start, (int) (offset() - start), kind, size, base);
                if (size > HOLD_LIMIT) {
                    inflateHeld(start, "delta", size, new DeltaHeader(entry, null));
                    crc(entry);
                } else {
                    byte[] delta = held(start, "delta", size, entry);
                    crc(entry);
                    objects.delta(entry, start, base, delta);
                }
            }
            case Constants.OBJ_REF_DELTA -> {
                byte[] id = new byte[Constants.OBJECT_ID_LENGTH];
                for (int i = 0; i < id.length; i++) {
                    id[i] = (byte) readByte();
                }
                int entry = entries.add(start, (int) (offset() - start), kind, size, PackEntries.NO_BASE);
                entries.addRefDelta(entry, ObjectId.fromRaw(id));
                inflateHeld(start, "delta", size, new DeltaHeader(entry, null));
                crc(entry);
            }
            default -> throw corrupt(start, "its kind " + kind + " is none of the six a pack may hold");
        }
    }

    /** Hands the whole object on once its entry is read to the end and its CRC-32 noted. */
    private void whole(int entry, long start, int type, long size) throws IOException {
        // A blob over the held limit (set below HOLD_LIMIT) streams too: a whole blob is never refused for its size.
        if (type == Constants.OBJ_BLOB && (size > HOLD_LIMIT || heldLimit.exceededBy(size))) {
            Chunks chunks = objects.bigBlob(entry, size);
            inflate(start, size, chunks);
            crc(entry);
            chunks.end();
            return;
        }
        if (size > Integer.MAX_VALUE - 8) {
            throw corrupt(start, "a " + Constants.typeString(type) + " of " + size + " bytes is too big to check");
        }
        byte[] data = held(start, Constants.typeString(type), size, NOT_A_DELTA);
        crc(entry);
        objects.whole(entry, type, data);
    }

    /**
     * Inflates the data at the read position into an array of its declared size (which it must fill exactly),
     * through the check of a delta's header if the entry is a delta ({@code delta}, else {@link #NOT_A_DELTA}). The
     * array grows as the data arrives: a size the pack declares is not room reserved before its data bears it out.
     */
    private byte[] held(long start, String type, long size, int delta) throws IOException {
        byte[][] data = {new byte[(int) Math.min(size, scratch.length)]};
        int[] filled = {0};
        Sink into = (chunk, offset, length) -> {
            if (filled[0] + length > data[0].length) {
                // Never past the declared size: inflate refuses more before handing it on.
                data[0] = Arrays.copyOf(data[0], (int) Math.min(size, Math.max(data[0].length * 2L, (long) filled[0] + length)));
            }
            System.arraycopy(chunk, offset, data[0], filled[0], length);
            filled[0] += length;
        };
        inflateHeld(start, type, size, delta == NOT_A_DELTA ? into : new DeltaHeader(delta, into));
        return data[0];
    }

    /**
     * Inflates the data of an entry that is to be held whole (now, or to resolve it once the pack is in) into
     * {@code to} (if any), and refuses it as soon as more of it has inflated than the held limit: a size the pack
     * only declares is refused as malformed, not as too large.
     */
    private void inflateHeld(long start, String type, long size, Sink to) throws IOException {
        long[] inflated = {0};
        inflate(start, size, (chunk, offset, length) -> {
            inflated[0] += length;
            if (heldLimit.exceededBy(inflated[0])) {
                throw heldLimit.refusal("a " + type + " of " + size + " bytes at offset " + start + " of the pack");
            }
            if (to != null) {
                to.update(chunk, offset, length);
            }
        });
    }

    /**
     * Reads a delta's header as it inflates, its base's size and then its result's, and refuses the delta as soon
     * as either is over the held limit: both are held whole to resolve it, by this agent's resolver or by JGit's
     * parser, which reserves the result's declared size before it reads an instruction. Refused here, a pack never
     * reaches the code that would make (or load) such an object, whichever parser indexes it.
     */
    private final class DeltaHeader implements Sink {

        /** Git's sizes are 64-bit: ten bytes of seven bits each at most. */
        private static final int MAX_VARINT_BYTES = 10;

        private final int entry;
        private final Sink next;
        private final long[] sizes = new long[2];
        private int field;
        private int shift;
        private int fieldBytes;

        DeltaHeader(int entry, Sink next) {
            this.entry = entry;
            this.next = next;
        }

        @Override
        public void update(byte[] data, int offset, int length) throws IOException {
            for (int i = offset; i < offset + length && field < 2; i++) {
                int c = data[i] & 0xff;
                if (++fieldBytes > MAX_VARINT_BYTES) {
                    throw corrupt(entries.start(entry), "its delta header declares a size that does not fit in 64 bits");
                }
                sizes[field] |= (long) (c & 0x7f) << shift;
                shift += 7;
                if ((c & 0x80) == 0) {
                    refuseIfHeldLimitExceeded(field, sizes[field]);
                    field++;
                    shift = 0;
                    fieldBytes = 0;
                    if (field == 2) {
                        objects.deltaSizes(entry, sizes[0], sizes[1]);
                    }
                }
            }
            if (next != null) {
                next.update(data, offset, length);
            }
        }

        private void refuseIfHeldLimitExceeded(int which, long size) throws FetchRefusedException {
            if (size >= 0 && !heldLimit.exceededBy(size)) {
                return;
            }
            String delta = "a delta at offset " + entries.start(entry) + " of the pack";
            throw heldLimit.refusal(which == 0 ? delta + " whose base is " + Long.toUnsignedString(size) + " bytes"
                    : delta + " that makes " + madeKind() + " of " + Long.toUnsignedString(size) + " bytes");
        }

        /** "a blob" when the delta is on a chain of offset deltas that starts at a whole object; "an object" when it is not known yet. */
        private String madeKind() {
            int root = entry;
            while (entries.isDelta(root) && entries.base(root) != PackEntries.NO_BASE) {
                root = entries.base(root);
            }
            return entries.isDelta(root) ? "an object" : "a " + Constants.typeString(entries.kind(root));
        }
    }

    private void crc(int entry) {
        entries.crc(entry, (int) crc.getValue());
    }

    /** Inflates the data at the read position, which must come to exactly {@code size} bytes, handing them to {@code to} (if any). */
    private void inflate(long entryStart, long size, Sink to) throws IOException {
        inflater.reset();
        long total = 0;
        while (!inflater.finished()) {
            if (inflater.needsInput()) {
                if (pos == avail) {
                    fill();
                }
                inflater.setInput(buf, pos, avail - pos);
            }
            int before = inflater.getRemaining();
            int n;
            try {
                n = inflater.inflate(scratch);
            } catch (DataFormatException e) {
                throw corrupt(entryStart, "its data does not inflate (" + e.getMessage() + ")");
            }
            consume(before - inflater.getRemaining());
            if (n > 0) {
                total += n;
                if (total > size) {
                    throw corrupt(entryStart, "it inflates to more than its declared " + size + " bytes");
                }
                if (to != null) {
                    to.update(scratch, 0, n);
                }
            } else if (inflater.needsDictionary()) {
                throw corrupt(entryStart, "its data asks for a preset dictionary");
            }
        }
        if (total != size) {
            throw corrupt(entryStart, "it inflates to " + total + " bytes, not its declared " + size);
        }
    }

    private long offset() {
        return bufStart + pos;
    }

    private int readByte() throws IOException {
        if (pos == avail) {
            fill();
        }
        crc.update(buf[pos]);
        return buf[pos++] & 0xff;
    }

    private void consume(int n) {
        crc.update(buf, pos, n);
        pos += n;
    }

    /** Called with everything in the buffer consumed: writes it out and reads on. */
    private void fill() throws IOException {
        flush();
        bufStart += avail;
        pos = 0;
        avail = 0;
        written = 0;
        int n = in.read(buf, 0, buf.length);
        if (n <= 0) {
            throw new CorruptPackException("the stream ends at offset " + bufStart + ", before the pack does");
        }
        avail = n;
    }

    /** Writes what has been consumed to the pack file, and to the checksum until the checksum itself is reached. */
    private void flush() throws IOException {
        if (pos > written) {
            if (digesting) {
                packDigest.update(buf, written, pos - written);
            }
            file.write(buf, written, pos - written);
            written = pos;
        }
    }

    private static CorruptPackException corrupt(long entryStart, String why) {
        return new CorruptPackException("the object at offset " + entryStart + " of the pack is malformed: " + why);
    }
}
