package dev.gitopsagent.git;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.eclipse.jgit.errors.NotSupportedException;
import org.eclipse.jgit.errors.TransportException;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectIdRef;
import org.eclipse.jgit.lib.ProgressMonitor;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.transport.BasePackFetchConnection;
import org.eclipse.jgit.transport.FetchConnection;
import org.eclipse.jgit.transport.HttpTransport;
import org.eclipse.jgit.transport.PackTransport;
import org.eclipse.jgit.transport.PacketLineIn;
import org.eclipse.jgit.transport.PushConnection;
import org.eclipse.jgit.transport.URIish;
import org.eclipse.jgit.transport.http.HttpConnection;
import org.eclipse.jgit.util.io.DisabledOutputStream;

/**
 * A fetch over smart HTTP of branch heads a poll has just read ({@link DirectLsRefs}): protocol v2
 * {@code fetch} POSTs only. JGit's own fetch first GETs the capability advertisement and POSTs an
 * {@code ls-refs}, so two of its three requests would ask again what the poll has just answered. Here
 * the server's advertisement, fetched once per remote and then kept, stands in for the first, and the
 * polled ids for the second: what is fetched is exactly what the poll saw. Everything else is JGit's
 * fetch ({@link org.eclipse.jgit.transport.Transport#fetch}, {@link BasePackFetchConnection}) as on its
 * normal path: negotiation, shallow lines, the pack through the repository's bounded inserter, the object
 * checks, the completeness check and the ref updates.
 *
 * <p>Until the pack arrives nothing is stored, so a server that does not take such a fetch (no protocol
 * v2, a changed capability, an auth challenge, a redirect, an error answer) costs only the attempt:
 * {@link #packArrived()} tells the caller whether it may fetch again through JGit's normal path.
 */
final class DirectFetch extends HttpTransport implements PackTransport {

    /** The longest capability advertisement kept; a protocol v2 one is a few hundred bytes. */
    static final int MAX_ADVERTISEMENT_BYTES = 64 * 1024;
    /** The payload that starts a protocol error line, after its four hex digits of length. */
    private static final byte[] ERROR_LINE = "ERR ".getBytes(StandardCharsets.US_ASCII);

    private final Map<String, ObjectId> heads;
    /** The capability advertisement of each remote that sent a protocol v2 one, by URL; shared by every fetch of a mirror. */
    private final Map<String, byte[]> advertisements;
    private volatile boolean packArrived;
    private volatile boolean answeredWithError;

    /**
     * @param heads the ids to fetch by ref name ({@code refs/heads/<branch>}), as the poll read them
     * @param advertisements where the remote's capability advertisement is kept between fetches
     */
    DirectFetch(Repository local, URIish uri, Map<String, ObjectId> heads, Map<String, byte[]> advertisements) {
        super(local, uri);
        this.heads = Map.copyOf(heads);
        this.advertisements = advertisements;
    }

    /** Whether the server began sending a pack: from then on a failure is the fetch's own, not a sign that this way is not taken. */
    boolean packArrived() {
        return packArrived;
    }

    /**
     * Whether the server answered a round with a protocol {@code ERR} line (git's upload-pack sends
     * {@code ERR upload-pack: not our ref <id>} for a commit it no longer has): it took the direct fetch
     * and refused what was asked, which says nothing against fetching this way next time.
     */
    boolean answeredWithError() {
        return answeredWithError;
    }

    @Override
    public FetchConnection openFetch() throws TransportException {
        return new Connection(advertisement());
    }

    @Override
    public PushConnection openPush() throws NotSupportedException {
        throw new NotSupportedException("a direct fetch does not push");
    }

    @Override
    public void close() {
        // Every request is closed as soon as it is answered: nothing stays open.
    }

    private byte[] advertisement() throws TransportException {
        byte[] kept = advertisements.get(uri.toString());
        if (kept != null) {
            return kept;
        }
        byte[] fetched = capabilities().orElseThrow(() -> new TransportException(uri, "no protocol v2 capability advertisement"));
        advertisements.put(uri.toString(), fetched);
        return fetched;
    }

    /** The server's protocol v2 capability advertisement, from {@code version 2} to its flush, or nothing when it sends another answer. */
    private Optional<byte[]> capabilities() throws TransportException {
        byte[] body;
        try {
            HttpConnection http = UploadPackHttp.getCapabilities(uri, getCredentialsProvider(), getTimeout());
            if (!UploadPackHttp.answered(http, UploadPackHttp.ADVERTISEMENT_TYPE)) {
                return Optional.empty();
            }
            try (InputStream in = http.getInputStream()) {
                body = in.readNBytes(MAX_ADVERTISEMENT_BYTES + 1);
            }
        } catch (IOException e) {
            throw new TransportException(uri, "capability advertisement: " + e.getMessage(), e);
        }
        if (body.length > MAX_ADVERTISEMENT_BYTES) {
            return Optional.empty();
        }
        try {
            ByteArrayInputStream stream = new ByteArrayInputStream(body);
            PacketLineIn lines = new PacketLineIn(stream);
            int start = 0;
            String line = lines.readString();
            // A server may precede it with the "# service=" header of protocol v0, and a flush.
            if (line.startsWith("# service=")) {
                if (!PacketLineIn.isEnd(lines.readString())) {
                    return Optional.empty();
                }
                start = body.length - stream.available();
                line = lines.readString();
            }
            if (!line.equals("version 2")) {
                return Optional.empty();
            }
            while (!PacketLineIn.isEnd(line)) {
                line = lines.readString();
            }
            return Optional.of(Arrays.copyOfRange(body, start, body.length - stream.available()));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** JGit's fetch connection, told the remote's capabilities by the kept advertisement and its refs by the poll. */
    private final class Connection extends BasePackFetchConnection {

        Connection(byte[] advertisement) throws TransportException {
            super(DirectFetch.this);
            statelessRPC = true;
            init(new ByteArrayInputStream(advertisement), DisabledOutputStream.INSTANCE);
            outNeedsEnd = false;
            // Reading "version 2" is what switches JGit's connection to protocol v2; a v0 advertisement would list refs.
            if (readAdvertisedRefs()) {
                close();
                throw new TransportException(uri, "not a protocol v2 capability advertisement");
            }
            Map<String, Ref> refs = new LinkedHashMap<>();
            heads.forEach((name, id) -> refs.put(name, new ObjectIdRef.Unpeeled(Ref.Storage.NETWORK, name, id)));
            available(refs);
        }

        @Override
        protected void doFetch(ProgressMonitor monitor, Collection<Ref> want, Set<ObjectId> have, OutputStream outputStream)
                throws TransportException {
            Rounds rounds = new Rounds();
            init(rounds.in, rounds.out);
            super.doFetch(monitor, want, have, outputStream);
        }

        @Override
        protected void onReceivePack() {
            packArrived = true;
        }
    }

    /**
     * Protocol v2 over HTTP is stateless: each round of negotiation is one POST of what JGit wrote since
     * it last read, and JGit repeats what the server must remember. The POST goes out when JGit starts
     * reading its answer.
     */
    private final class Rounds {

        private final ByteArrayOutputStream request = new ByteArrayOutputStream();
        private InputStream answer;

        final OutputStream out = request;

        final InputStream in = new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] buffer, int offset, int length) throws IOException {
                while (true) {
                    if (answer != null) {
                        int n = answer.read(buffer, offset, length);
                        if (n >= 0) {
                            return n;
                        }
                        answer.close();
                        answer = null;
                    }
                    if (request.size() == 0) {
                        return -1;
                    }
                    answer = send();
                }
            }

            @Override
            public void close() throws IOException {
                if (answer != null) {
                    answer.close();
                }
            }
        };

        private InputStream send() throws IOException {
            HttpConnection http = UploadPackHttp.post(uri, request.toByteArray(), getCredentialsProvider(), getTimeout());
            request.reset();
            if (!UploadPackHttp.answered(http, UploadPackHttp.RESULT_TYPE)) {
                throw new TransportException(uri, "a direct protocol v2 fetch was answered with HTTP " + http.getResponseCode() + " "
                        + http.getContentType());
            }
            InputStream answer = new BufferedInputStream(http.getInputStream());
            answeredWithError |= startsWithErrorLine(answer);
            return answer;
        }
    }

    /** Whether the answer's first pkt-line (four hex digits of length, then the payload) is an {@code ERR} line; reads nothing off it. */
    private static boolean startsWithErrorLine(InputStream answer) throws IOException {
        answer.mark(8);
        byte[] start = answer.readNBytes(8);
        answer.reset();
        return start.length == 8 && Arrays.equals(start, 4, 8, ERROR_LINE, 0, 4);
    }
}
