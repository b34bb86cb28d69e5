package dev.gitopsagent.testing;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;

/**
 * Rewrites a protocol v2 fetch answer (pkt-lines) so that a {@code shallow-info} section with one
 * more line precedes its {@code packfile} section, as {@code gitprotocol-v2(5)} lays them out:
 * {@code shallow-info}, {@code shallow <id>} or {@code unshallow <id>} lines, a delimiter, then the
 * pack. A section the server sent (to a shallow client) gets the line added.
 */
final class ShallowInfo {

    private static final String PACKFILE = "packfile\n";
    private static final String SECTION = "shallow-info\n";

    private ShallowInfo() {
    }

    /** The answer with the section inserted; unchanged when it has no pack (an acknowledgments-only round). */
    static InputStream insertBeforePackfile(InputStream answer, String line) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        byte[] length = new byte[4];
        while (answer.readNBytes(length, 0, 4) == 4) {
            int size = Integer.parseInt(new String(length, StandardCharsets.US_ASCII), 16);
            byte[] payload = size > 4 ? answer.readNBytes(size - 4) : new byte[0];
            String text = new String(payload, StandardCharsets.US_ASCII);
            if (text.equals(SECTION)) {
                head.write(length);
                head.write(payload);
                head.write(pktLine(line + "\n"));
                return new SequenceInputStream(new ByteArrayInputStream(head.toByteArray()), answer);
            }
            if (text.equals(PACKFILE)) {
                head.write(pktLine(SECTION));
                head.write(pktLine(line + "\n"));
                head.write("0001".getBytes(StandardCharsets.US_ASCII));
                head.write(length);
                head.write(payload);
                return new SequenceInputStream(new ByteArrayInputStream(head.toByteArray()), answer);
            }
            head.write(length);
            head.write(payload);
        }
        return new ByteArrayInputStream(head.toByteArray());
    }

    private static byte[] pktLine(String text) {
        byte[] payload = text.getBytes(StandardCharsets.US_ASCII);
        return (String.format("%04x", payload.length + 4) + text).getBytes(StandardCharsets.US_ASCII);
    }
}
