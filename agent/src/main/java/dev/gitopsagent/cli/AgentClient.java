package dev.gitopsagent.cli;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;

/** The agent's HTTP API as the CLI uses it: one request per invocation, no retries. */
public final class AgentClient {

    /** An HTTP answer from the agent, whatever its status. */
    public record Answer(int status, String body) {
    }

    /** No HTTP answer at all: refused, timed out, not HTTP. */
    public static final class UnreachableException extends Exception {
        public UnreachableException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /** A rollback runs nixos-rebuild switch --rollback, which can take minutes on a slow host. */
    private static final Duration CONTROL_TIMEOUT = Duration.ofMinutes(15);
    private static final Duration STATUS_TIMEOUT = Duration.ofSeconds(30);

    private final URI base;
    private final HttpClient http;

    public AgentClient(URI base) {
        this.base = base;
        this.http = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT).version(HttpClient.Version.HTTP_1_1).build();
    }

    public Answer status() throws UnreachableException {
        return send(HttpRequest.newBuilder(URI.create(base + "/status")).timeout(STATUS_TIMEOUT)
                .header("Accept", "application/json").GET().build());
    }

    /** POSTs {@code /control/<action>} with optional query parameter {@code name=value}. */
    public Answer control(String action, String token, Optional<String> name, Optional<String> value) throws UnreachableException {
        String query = name.isPresent() && value.isPresent()
                ? "?" + name.get() + "=" + URLEncoder.encode(value.get(), StandardCharsets.UTF_8)
                : "";
        return send(HttpRequest.newBuilder(URI.create(base + "/control/" + action + query)).timeout(CONTROL_TIMEOUT)
                .header("Accept", "application/json")
                .header("Authorization", "Bearer " + token)
                .POST(HttpRequest.BodyPublishers.noBody()).build());
    }

    private Answer send(HttpRequest request) throws UnreachableException {
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            return new Answer(response.statusCode(), response.body());
        } catch (IOException e) {
            throw new UnreachableException(describe(e), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UnreachableException("interrupted", e);
        }
    }

    /** java.net.http often throws exceptions without a message; say what happened in an operator's words. */
    private static String describe(IOException e) {
        if (e instanceof HttpConnectTimeoutException) {
            return "connection timed out after " + CONNECT_TIMEOUT.toSeconds() + "s";
        }
        if (e instanceof HttpTimeoutException) {
            return "no answer in time (" + e.getMessage() + ")";
        }
        if (e instanceof ConnectException) {
            return "connection refused";
        }
        Throwable t = e;
        while (t.getCause() != null && (t.getMessage() == null || t.getMessage().isBlank())) {
            t = t.getCause();
        }
        String message = t.getMessage() == null || t.getMessage().isBlank() ? "" : ": " + t.getMessage();
        return t.getClass().getSimpleName() + message;
    }
}
