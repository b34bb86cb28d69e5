package dev.gitopsagent.git;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;

import org.eclipse.jgit.transport.CredentialItem;
import org.eclipse.jgit.transport.CredentialsProvider;
import org.eclipse.jgit.transport.HttpTransport;
import org.eclipse.jgit.transport.URIish;
import org.eclipse.jgit.transport.UserAgent;
import org.eclipse.jgit.transport.http.HttpConnection;

/**
 * The requests the agent sends to a smart-HTTP remote's upload-pack service itself, in protocol v2,
 * instead of through JGit's transport ({@link DirectLsRefs}, {@link DirectFetch}). They go to the
 * configured URL only: a redirect is not followed but answered as not understood, so the caller falls
 * back to JGit, whose rules for redirects and credentials then apply as before.
 */
final class UploadPackHttp {

    static final String REQUEST_TYPE = "application/x-git-upload-pack-request";
    static final String RESULT_TYPE = "application/x-git-upload-pack-result";
    static final String ADVERTISEMENT_TYPE = "application/x-git-upload-pack-advertisement";

    private UploadPackHttp() {
    }

    /** {@code GET <url>/info/refs?service=git-upload-pack}: the capability advertisement, in protocol v2. */
    static HttpConnection getCapabilities(URIish uri, CredentialsProvider credentials, int timeoutSeconds) throws IOException {
        HttpConnection http = open(uri, "/info/refs?service=git-upload-pack", credentials, timeoutSeconds);
        http.setRequestMethod("GET");
        http.setRequestProperty("Accept", ADVERTISEMENT_TYPE);
        return http;
    }

    /** {@code POST <url>/git-upload-pack} of one protocol v2 command, sent before this returns. */
    static HttpConnection post(URIish uri, byte[] body, CredentialsProvider credentials, int timeoutSeconds) throws IOException {
        HttpConnection http = open(uri, "/git-upload-pack", credentials, timeoutSeconds);
        http.setRequestMethod("POST");
        http.setRequestProperty("Content-Type", REQUEST_TYPE);
        http.setRequestProperty("Accept", RESULT_TYPE);
        http.setDoOutput(true);
        http.setFixedLengthStreamingMode(body.length);
        try (OutputStream out = http.getOutputStream()) {
            out.write(body);
        }
        return http;
    }

    /** Whether the server answered 200 with this content type: anything else means the request was not understood here. */
    static boolean answered(HttpConnection http, String contentType) throws IOException {
        return http.getResponseCode() == HttpConnection.HTTP_OK && String.valueOf(http.getContentType()).startsWith(contentType);
    }

    private static HttpConnection open(URIish uri, String path, CredentialsProvider credentials, int timeoutSeconds) throws IOException {
        String base = uri.toString().replaceAll("/+$", "");
        HttpConnection http = HttpTransport.getConnectionFactory().create(new URL(base + path));
        http.setInstanceFollowRedirects(false);
        http.setUseCaches(false);
        http.setConnectTimeout(timeoutSeconds * 1000);
        http.setReadTimeout(timeoutSeconds * 1000);
        http.setRequestProperty("Git-Protocol", "version=2");
        http.setRequestProperty("User-Agent", UserAgent.get());
        basicAuthorization(uri, credentials).ifPresent(value -> http.setRequestProperty("Authorization", value));
        return http;
    }

    /** The configured token as Basic credentials, sent up front (JGit would send the same after a 401). */
    private static Optional<String> basicAuthorization(URIish uri, CredentialsProvider credentials) {
        if (credentials == null) {
            return Optional.empty();
        }
        CredentialItem.Username user = new CredentialItem.Username();
        CredentialItem.Password password = new CredentialItem.Password();
        if (!credentials.supports(user, password) || !credentials.get(uri, user, password) || password.getValue() == null) {
            return Optional.empty();
        }
        String pair = user.getValue() + ":" + new String(password.getValue());
        return Optional.of("Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8)));
    }
}
