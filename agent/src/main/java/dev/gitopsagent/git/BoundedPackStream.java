package dev.gitopsagent.git;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

import org.eclipse.jgit.util.NB;

/**
 * The pack stream of one fetch, as JGit's pack parser reads it (after the side-band is taken off, so
 * byte 0 is the {@code PACK} signature). Counts the bytes and reads the object count from the pack
 * header as it passes, so a pack over a bound is refused before the parser reserves room for its
 * objects or writes more than the bound to disk.
 */
final class BoundedPackStream extends FilterInputStream {

    private static final int HEADER_LENGTH = 12;
    private static final int COUNT_OFFSET = 8;

    private final FetchTally tally;
    private final byte[] header = new byte[HEADER_LENGTH];
    private long position;

    BoundedPackStream(InputStream in, FetchTally tally) {
        super(in);
        this.tally = tally;
    }

    @Override
    public int read() throws IOException {
        int b = super.read();
        if (b >= 0) {
            passed(new byte[] {(byte) b}, 0, 1);
        }
        return b;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        int n = super.read(buffer, offset, length);
        if (n > 0) {
            passed(buffer, offset, n);
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        // Skipped bytes are received all the same: read them so they are counted.
        byte[] sink = new byte[(int) Math.min(n, 8192)];
        int read = read(sink, 0, sink.length);
        return Math.max(read, 0);
    }

    @Override
    public boolean markSupported() {
        return false;
    }

    private void passed(byte[] buffer, int offset, int n) throws IOException {
        if (position < HEADER_LENGTH) {
            int headerBytes = (int) Math.min(n, HEADER_LENGTH - position);
            System.arraycopy(buffer, offset, header, (int) position, headerBytes);
            if (position + headerBytes == HEADER_LENGTH) {
                tally.objects(NB.decodeUInt32(header, COUNT_OFFSET));
            }
        }
        position += n;
        tally.bytes(n);
    }
}
