package dev.gitopsagent.status;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.gitopsagent.config.AgentConfig.ForgeType;
import dev.gitopsagent.pipeline.ReconcileOutcome;
import dev.gitopsagent.trigger.ReconcileLoop;

/**
 * Posts each decision on a commit back to the forge as a commit status, under one context per
 * host, so the commit page shows which hosts run it and which refused it. A status is only posted
 * when its state or description changed; a forge that is down costs a log line, never a deployment.
 */
public final class ForgeReporter implements ReconcileLoop.OutcomeListener {

    private static final Logger LOG = Logger.getLogger(ForgeReporter.class);
    /** GitHub rejects longer descriptions. */
    private static final int MAX_DESCRIPTION = 140;
    private static final int REMEMBERED_COMMITS = 100;

    /** Where and as whom to post. */
    public record Target(ForgeType type, String apiUrl, String repository, String token, String context, Optional<String> targetUrl) {
    }

    /** One commit status as posted: a forge-neutral state and a short description. */
    record CommitStatus(State state, String description) {
    }

    enum State {
        SUCCESS, FAILURE, ERROR
    }

    private final Target target;
    private final HttpClient http;
    private final Executor executor;
    private final ObjectMapper json = new ObjectMapper();
    private final Map<String, CommitStatus> posted = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, CommitStatus> eldest) {
            return size() > REMEMBERED_COMMITS;
        }
    };

    /** {@code executor} runs the HTTP calls, so a slow forge never holds up the reconcile thread. */
    public ForgeReporter(Target target, HttpClient http, Executor executor) {
        this.target = target;
        this.http = http;
        this.executor = executor;
    }

    @Override
    public void reconciled(ReconcileOutcome outcome) {
        if (outcome instanceof ReconcileOutcome.Deployed deployed) {
            report(deployed.commit(), new CommitStatus(State.SUCCESS, "deployed (" + deployed.action() + ")"));
        } else if (outcome instanceof ReconcileOutcome.Failed failed) {
            report(failed.commit(), new CommitStatus(State.FAILURE, failed.reason()));
        } else if (outcome instanceof ReconcileOutcome.Refused refused) {
            report(refused.commit(), new CommitStatus(State.ERROR, refused.reason()));
        }
    }

    private void report(String commit, CommitStatus status) {
        synchronized (posted) {
            if (status.equals(posted.get(commit))) {
                return;
            }
            posted.put(commit, status);
        }
        executor.execute(() -> post(commit, status));
    }

    private void post(String commit, CommitStatus status) {
        try {
            HttpResponse<String> response = http.send(request(commit, status), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() / 100 != 2) {
                forget(commit);
                String body = response.body();
                LOG.warnf("%s refused the commit status for %s: HTTP %d %s", target.type(), commit, response.statusCode(),
                        body.length() > 200 ? body.substring(0, 200) : body);
            }
        } catch (IOException e) {
            forget(commit);
            LOG.warnf("cannot post the commit status for %s to %s: %s", commit, target.apiUrl(), e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A status that did not get through is posted again at the next decision on that commit. */
    private void forget(String commit) {
        synchronized (posted) {
            posted.remove(commit);
        }
    }

    HttpRequest request(String commit, CommitStatus status) throws JsonProcessingException {
        String description = status.description().length() > MAX_DESCRIPTION
                ? status.description().substring(0, MAX_DESCRIPTION - 1) + "…" : status.description();
        String api = target.apiUrl().replaceAll("/+$", "");
        Map<String, String> body = new LinkedHashMap<>();
        HttpRequest.Builder request;
        if (target.type() == ForgeType.GITLAB) {
            String project = URLEncoder.encode(target.repository(), StandardCharsets.UTF_8);
            request = HttpRequest.newBuilder(URI.create(api + "/projects/" + project + "/statuses/" + commit))
                    .header("PRIVATE-TOKEN", target.token());
            body.put("state", status.state() == State.SUCCESS ? "success" : "failed");
            body.put("name", target.context());
        } else {
            String prefix = target.type() == ForgeType.GITHUB ? "Bearer " : "token ";
            request = HttpRequest.newBuilder(URI.create(api + "/repos/" + target.repository() + "/statuses/" + commit))
                    .header("Authorization", prefix + target.token());
            body.put("state", status.state().name().toLowerCase());
            body.put("context", target.context());
        }
        body.put("description", description);
        target.targetUrl().ifPresent(url -> body.put("target_url", url));
        return request.timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(body)))
                .build();
    }
}
