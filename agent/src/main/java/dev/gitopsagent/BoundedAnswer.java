package dev.gitopsagent;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

/**
 * The answer to a request whose answer only needs its status (and, to log a refusal, the start of its body):
 * at most {@code bodyBytes} of the body are read, and the rest is never received. The JDK's body handlers read
 * the whole body, as a string or to discard it, so a server answering without end (or with a gibibyte) would
 * fill the heap or hold the sending thread for good.
 *
 * @param status the HTTP status code
 * @param bodyStart the start of the body, as UTF-8, at most the bytes asked for
 */
public record BoundedAnswer(int status, String bodyStart) {

    public boolean isSuccess() {
        return isSuccess(status);
    }

    private static boolean isSuccess(int status) {
        return status / 100 == 2;
    }

    /** Sends {@code request} and reads at most {@code bodyBytes} of the answer's body, none of a successful one. */
    public static BoundedAnswer send(HttpClient http, HttpRequest request, int bodyBytes) throws IOException, InterruptedException {
        HttpResponse<InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        // Closing the body before its end cancels the rest of it.
        try (InputStream body = response.body()) {
            byte[] start = isSuccess(response.statusCode()) ? new byte[0] : body.readNBytes(bodyBytes);
            return new BoundedAnswer(response.statusCode(), new String(start, StandardCharsets.UTF_8));
        }
    }
}
