package dev.gitopsagent.git;

import java.io.IOException;
import java.io.InputStream;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.transport.CredentialsProvider;
import org.eclipse.jgit.transport.PacketLineIn;
import org.eclipse.jgit.transport.PacketLineOut;
import org.eclipse.jgit.transport.URIish;
import org.eclipse.jgit.transport.UserAgent;
import org.eclipse.jgit.transport.http.HttpConnection;

/**
 * A protocol v2 {@code ls-refs} sent straight to {@code <url>/git-upload-pack} as one stateless POST.
 * JGit (like git itself) first GETs {@code info/refs} for the capability advertisement, which in v2
 * carries no refs; skipping it halves the round trips, and server work, of every poll.
 */
final class DirectLsRefs {

    /** What may follow the flush that ends the listing and is read, so that the connection can serve the next poll. */
    private static final int MAX_TRAILING_BYTES = 4096;

    private DirectLsRefs() {
    }

    /** What a direct ls-refs request came to. */
    sealed interface Answer {
    }

    /** The ids of those asked-for refs that exist. */
    record Listed(Map<String, ObjectId> heads) implements Answer {
    }

    /** The server answered, but not with a protocol v2 ls-refs reply: no protocol v2, a redirect, an auth challenge... */
    record NotUnderstood() implements Answer {
    }

    /** The request or its answer broke off (refused, reset, cut short, timed out): that says nothing of how the server answers. */
    record Failed(IOException cause) implements Answer {
    }

    static Answer query(URIish uri, List<String> refs, CredentialsProvider credentials, int timeoutSeconds) {
        try {
            HttpConnection http = UploadPackHttp.post(uri, request(refs), credentials, timeoutSeconds);
            if (!UploadPackHttp.answered(http, UploadPackHttp.RESULT_TYPE)) {
                return new NotUnderstood();
            }
            try (InputStream in = http.getInputStream()) {
                Optional<Map<String, ObjectId>> heads = read(new PacketLineIn(in), refs);
                if (heads.isEmpty()) {
                    return new NotUnderstood();
                }
                readToTheEnd(in);
                return new Listed(heads.get());
            }
        } catch (IOException e) {
            return new Failed(e);
        } catch (RuntimeException e) {
            return new NotUnderstood();
        }
    }

    private static byte[] request(List<String> refs) throws IOException {
        var buffer = new java.io.ByteArrayOutputStream();
        PacketLineOut out = new PacketLineOut(buffer);
        out.writeString("command=ls-refs\n");
        out.writeString("agent=" + UserAgent.get() + "\n");
        out.writeDelim();
        for (String ref : refs) {
            out.writeString("ref-prefix " + ref + "\n");
        }
        out.end();
        return buffer.toByteArray();
    }

    private static Optional<Map<String, ObjectId>> read(PacketLineIn in, List<String> refs) throws IOException {
        Map<String, ObjectId> heads = new HashMap<>();
        for (String line = in.readString(); !PacketLineIn.isEnd(line); line = in.readString()) {
            // "<oid> <refname>[ <attribute>...]"; anything else (ERR, a v0 advertisement) means no v2 here.
            String[] fields = line.split(" ");
            if (fields.length < 2 || !ObjectId.isId(fields[0])) {
                return Optional.empty();
            }
            // A ref-prefix also matches longer names (refs/heads/main-old); keep exact matches only.
            if (refs.contains(fields[1])) {
                heads.put(fields[1], ObjectId.fromString(fields[0]));
            }
        }
        return Optional.of(heads);
    }

    /**
     * Reads the answer to its end, as git does: the JDK keeps a connection for the next request only once its
     * answer has been read to the end (for a chunked answer, its last, empty chunk, which may arrive after the
     * flush). The refs are read already, so a failure here costs only the connection.
     */
    private static void readToTheEnd(InputStream in) {
        try {
            in.readNBytes(MAX_TRAILING_BYTES);
        } catch (IOException e) {
            // The connection is not kept; the next poll opens another.
        }
    }
}
