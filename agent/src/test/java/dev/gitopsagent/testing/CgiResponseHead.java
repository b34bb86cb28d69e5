package dev.gitopsagent.testing;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * The header block a CGI program prints before its body (RFC 3875 section 6): a {@code Status:} line instead of
 * an HTTP status line, then ordinary headers, then an empty line.
 */
record CgiResponseHead(int status, List<Map.Entry<String, String>> headers) {

    private static final int MAX_HEAD_BYTES = 64 * 1024;

    /** Reads the head from the CGI's stdout, leaving the stream positioned at the first body byte. */
    static CgiResponseHead readFrom(InputStream cgiOutput) throws IOException {
        int status = 200;
        List<Map.Entry<String, String>> headers = new ArrayList<>();
        int consumed = 0;
        while (true) {
            String line = readLine(cgiOutput);
            if (line == null) {
                throw new IOException("CGI output ended inside the header block");
            }
            consumed += line.length() + 1;
            if (consumed > MAX_HEAD_BYTES) {
                throw new IOException("CGI header block too large");
            }
            if (line.isEmpty()) {
                return new CgiResponseHead(status, List.copyOf(headers));
            }
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new IOException("malformed CGI header line: " + line);
            }
            String name = line.substring(0, colon).trim();
            String value = line.substring(colon + 1).trim();
            if (name.equalsIgnoreCase("Status")) {
                status = Integer.parseInt(value.split(" ", 2)[0]);
            } else {
                headers.add(Map.entry(name, value));
            }
        }
    }

    OptionalLong contentLength() {
        return headers.stream()
                .filter(header -> header.getKey().equalsIgnoreCase("Content-Length"))
                .mapToLong(header -> Long.parseLong(header.getValue()))
                .findFirst();
    }

    /** One header line (ISO-8859-1) without CR LF / LF; null at end of stream. Byte-wise: no body byte is read ahead. */
    private static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        int b;
        while ((b = in.read()) != -1) {
            if (b == '\n') {
                int last = line.length() - 1;
                if (last >= 0 && line.charAt(last) == '\r') {
                    line.setLength(last);
                }
                return line.toString();
            }
            line.append((char) b);
        }
        return line.length() == 0 ? null : line.toString();
    }
}
