package dev.gitopsagent.status;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.gitopsagent.config.AgentConfig.ForgeType;

/**
 * Reads the latest status of each context on a commit from the configured forge, for the forge
 * gate. The answer is bounded: at most {@link #MAX_BYTES} are read, and the request times out.
 */
public final class ForgeStatuses {

    /** A combined status of 100 contexts is about 100 KiB on GitHub. */
    static final int MAX_BYTES = 1 << 20;

    /** One context's latest status: {@code state} as the forge words it ({@code success}, {@code failure}, {@code failed}, ...). */
    public record Posted(String context, String state, String description) {

        public boolean succeeded() {
            return "success".equals(state);
        }

        /** A final status that is not a success: GitHub's and Gitea's failure and error, GitLab's failed and canceled. */
        public boolean failed() {
            return List.of("failure", "error", "failed", "canceled").contains(state);
        }
    }

    private final ForgeApi api;
    private final HttpClient http;
    private final ObjectMapper json = new ObjectMapper();

    public ForgeStatuses(ForgeApi api, HttpClient http) {
        this.api = api;
        this.http = http;
    }

    public String apiUrl() {
        return api.apiUrl();
    }

    public List<Posted> latest(String commit) throws IOException, InterruptedException {
        HttpResponse<InputStream> response = http.send(api.request(api.readStatuses(commit)).GET().build(),
                HttpResponse.BodyHandlers.ofInputStream());
        byte[] body;
        try (InputStream in = response.body()) {
            body = in.readNBytes(MAX_BYTES + 1);
        }
        if (response.statusCode() / 100 != 2) {
            throw new IOException("HTTP " + response.statusCode() + " from " + api.readStatuses(commit));
        }
        if (body.length > MAX_BYTES) {
            throw new IOException("the statuses of " + commit + " are longer than " + MAX_BYTES + " bytes");
        }
        JsonNode root = json.readTree(body);
        // GitHub and Gitea answer a combined status ({"statuses": [...]}), GitLab a list.
        JsonNode list = api.type() == ForgeType.GITLAB ? root : root.path("statuses");
        if (!list.isArray()) {
            throw new IOException("unexpected answer from " + api.readStatuses(commit) + ": no list of statuses");
        }
        List<Posted> statuses = new ArrayList<>();
        for (JsonNode status : list) {
            statuses.add(switch (api.type()) {
                case GITHUB -> new Posted(status.path("context").asText(), status.path("state").asText(), status.path("description").asText());
                case GITEA -> new Posted(status.path("context").asText(), status.path("status").asText(), status.path("description").asText());
                case GITLAB -> new Posted(status.path("name").asText(), status.path("status").asText(), status.path("description").asText());
            });
        }
        return statuses;
    }
}
