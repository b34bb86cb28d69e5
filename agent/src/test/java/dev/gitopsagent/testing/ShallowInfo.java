package dev.gitopsagent.testing;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;

/**
 * Rewrites a protocol v2 fetch answer (pkt-lines) so that a {@code shallow-info} section precedes its
 * {@code packfile} section, as {@code gitprotocol-v2(5)} lays them out: {@code shallow-info},
 * {@code shallow <id>}, a delimiter, then the pack.
 */
final class ShallowInfo {

    private static final String PACKFILE = "packfile\n";

    private ShallowInfo() {
    }

    /** The answer with the section inserted; unchanged when it has no pack (an acknowledgments-only round). */
    static InputStream insertBeforePackfile(InputStream answer, String shallowCommit) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        byte[] length = new byte[4];
        while (answer.readNBytes(length, 0, 4) == 4) {
            int size = Integer.parseInt(new String(length, StandardCharsets.US_ASCII), 16);
            byte[] payload = size > 4 ? answer.readNBytes(size - 4) : new byte[0];
            if (new String(payload, StandardCharsets.US_ASCII).equals(PACKFILE)) {
                head.write(pktLine("shallow-info\n"));
                head.write(pktLine("shallow " + shallowCommit + "\n"));
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
