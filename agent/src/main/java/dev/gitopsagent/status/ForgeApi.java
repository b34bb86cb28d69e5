package dev.gitopsagent.status;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import dev.gitopsagent.config.AgentConfig.ForgeType;

/**
 * The configured forge's commit-status API: where a commit's statuses are posted and read, and the
 * token header each forge expects. The token goes only to {@code apiUrl}, the one forge configured.
 */
public record ForgeApi(ForgeType type, String apiUrl, String repository, String token) {

    static final Duration TIMEOUT = Duration.ofSeconds(10);

    /** Where a status on {@code commit} is posted. */
    URI postStatus(String commit) {
        return URI.create(type == ForgeType.GITLAB ? project() + "/statuses/" + commit : repo() + "/statuses/" + commit);
    }

    /**
     * Where the latest status of each context on {@code commit} is read: GitHub's and Gitea's combined
     * status, GitLab's status list (latest per name unless {@code all} is asked for).
     */
    public URI readStatuses(String commit) {
        return URI.create(type == ForgeType.GITLAB ? project() + "/repository/commits/" + commit + "/statuses?per_page=100"
                : repo() + "/commits/" + commit + "/status?per_page=100&limit=100");
    }

    /** A request to {@code uri} carrying the forge's token header. */
    public HttpRequest.Builder request(URI uri) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(TIMEOUT).header("Accept", "application/json");
        return switch (type) {
            case GITLAB -> request.header("PRIVATE-TOKEN", token);
            case GITHUB -> request.header("Authorization", "Bearer " + token);
            case GITEA -> request.header("Authorization", "token " + token);
        };
    }

    private String base() {
        return apiUrl.replaceAll("/+$", "");
    }

    private String repo() {
        return base() + "/repos/" + repository;
    }

    private String project() {
        return base() + "/projects/" + URLEncoder.encode(repository, StandardCharsets.UTF_8);
    }
}
