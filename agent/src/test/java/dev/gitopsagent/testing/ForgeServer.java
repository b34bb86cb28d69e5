package dev.gitopsagent.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import dev.gitopsagent.config.AgentConfig.ForgeType;

/**
 * A forge's commit-status API on loopback, in the shape of one forge: statuses are posted (by agents
 * or by the test) and read back as the latest per context, as GitHub's and Gitea's combined status
 * ({@code {"statuses": [...]}}, the state under {@code state} or Gitea's {@code status}) or GitLab's
 * status list ({@code name}, {@code status}). Only requests with the expected token are served; every
 * request is recorded.
 */
public final class ForgeServer implements AutoCloseable {

    /** One request as received. */
    public record Request(String method, String path, String query, String authorization, String privateToken) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern POST = Pattern.compile(".*/statuses/([0-9a-f]{40})$");
    private static final Pattern READ = Pattern.compile(".*/commits/([0-9a-f]{40})/status(?:es)?$");

    private final ForgeType type;
    private final String apiPath;
    private final String token;
    private final HttpServer server;
    /** commit → context → the latest status body, in the forge's own shape. */
    private final Map<String, Map<String, ObjectNode>> statuses = new LinkedHashMap<>();
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private volatile String rawAnswer;

    private ForgeServer(ForgeType type, String apiPath, String token) throws IOException {
        this.type = type;
        this.apiPath = apiPath;
        this.token = token;
        this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    public static ForgeServer start(ForgeType type, String apiPath, String token) {
        try {
            return new ForgeServer(type, apiPath, token);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What {@code gitops.forge.api-url} is set to. */
    public String apiUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + apiPath;
    }

    public List<Request> requests() {
        return requests;
    }

    /** Posts a status as a host would, with the state word of the forge's API. */
    public synchronized void post(String commit, String context, String state, String description) {
        ObjectNode status = JSON.createObjectNode();
        status.put(type == ForgeType.GITLAB ? "name" : "context", context);
        status.put(type == ForgeType.GITHUB ? "state" : "status", state);
        status.put("description", description);
        statuses.computeIfAbsent(commit, c -> new LinkedHashMap<>()).put(context, status);
    }

    /** Whether a status of {@code context} is on {@code commit}. */
    public synchronized boolean hasStatus(String commit, String context) {
        return statuses.getOrDefault(commit, Map.of()).containsKey(context);
    }

    /** Answers every read with this body instead (a broken or hostile forge); null restores the statuses. */
    public void answerReadsWith(String body) {
        this.rawAnswer = body;
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            requests.add(new Request(exchange.getRequestMethod(), exchange.getRequestURI().getRawPath(), exchange.getRequestURI().getRawQuery(),
                    exchange.getRequestHeaders().getFirst("Authorization"), exchange.getRequestHeaders().getFirst("PRIVATE-TOKEN")));
            if (!authorized(exchange)) {
                exchange.sendResponseHeaders(401, -1);
                return;
            }
            boolean posting = "POST".equals(exchange.getRequestMethod());
            Matcher matcher = (posting ? POST : READ).matcher(exchange.getRequestURI().getRawPath());
            if (!matcher.matches()) {
                exchange.sendResponseHeaders(404, -1);
                return;
            }
            String commit = matcher.group(1);
            if (posting) {
                JsonNode body = JSON.readTree(exchange.getRequestBody());
                String state = body.path("state").asText();
                post(commit, body.path(type == ForgeType.GITLAB ? "name" : "context").asText(), state, body.path("description").asText());
                exchange.sendResponseHeaders(201, -1);
                return;
            }
            byte[] answer = (rawAnswer != null ? rawAnswer : read(commit)).getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, answer.length);
            exchange.getResponseBody().write(answer);
        }
    }

    private synchronized String read(String commit) throws IOException {
        ArrayNode list = JSON.createArrayNode();
        new ArrayList<>(statuses.getOrDefault(commit, Map.of()).values()).forEach(list::add);
        if (type == ForgeType.GITLAB) {
            return JSON.writeValueAsString(list);
        }
        ObjectNode combined = JSON.createObjectNode();
        combined.put("sha", commit);
        combined.set("statuses", list);
        return JSON.writeValueAsString(combined);
    }

    private boolean authorized(HttpExchange exchange) {
        return switch (type) {
            case GITHUB -> ("Bearer " + token).equals(exchange.getRequestHeaders().getFirst("Authorization"));
            case GITEA -> ("token " + token).equals(exchange.getRequestHeaders().getFirst("Authorization"));
            case GITLAB -> token.equals(exchange.getRequestHeaders().getFirst("PRIVATE-TOKEN"));
        };
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
