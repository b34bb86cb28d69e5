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

    private DirectLsRefs() {
    }

    /** The ids of those refs that exist, or nothing when the server's answer is not a v2 ls-refs reply. */
    static Optional<Map<String, ObjectId>> query(URIish uri, List<String> refs, CredentialsProvider credentials, int timeoutSeconds) {
        try {
            HttpConnection http = UploadPackHttp.post(uri, request(refs), credentials, timeoutSeconds);
            if (!UploadPackHttp.answered(http, UploadPackHttp.RESULT_TYPE)) {
                return Optional.empty();
            }
            try (InputStream in = http.getInputStream()) {
                return read(new PacketLineIn(in), refs);
            }
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
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
}
