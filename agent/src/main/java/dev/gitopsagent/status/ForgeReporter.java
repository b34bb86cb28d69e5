package dev.gitopsagent.status;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.gitopsagent.BoundedAnswer;
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
    /** What of a refusal's body is logged: the forge's reason, not whatever it sends. */
    private static final int LOGGED_BODY_BYTES = 200;
    private static final int REMEMBERED_COMMITS = 100;

    /**
     * Where and as whom to post. Every description starts with {@code wave <n>: }, so that hosts of
     * later waves can tell whose statuses count for their forge gate.
     */
    public record Target(ForgeApi api, String context, Optional<String> targetUrl, int wave) {
    }

    /** Every host's context starts with this; the host name follows. */
    public static final String CONTEXT_PREFIX = "gitops-agent/";

    private static final Pattern WAVE = Pattern.compile("^wave (\\d{1,4}): ");

    /** The context this host posts under. */
    public static String context(String host) {
        return CONTEXT_PREFIX + host;
    }

    /** The wave a status description says its host is in, if it is one of ours. */
    public static Optional<Integer> waveOf(String description) {
        Matcher matcher = WAVE.matcher(description);
        return matcher.find() ? Optional.of(Integer.parseInt(matcher.group(1))) : Optional.empty();
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
            BoundedAnswer answer = BoundedAnswer.send(http, request(commit, status), LOGGED_BODY_BYTES);
            if (!answer.isSuccess()) {
                forget(commit);
                LOG.warnf("%s refused the commit status for %s: HTTP %d %s", target.api().type(), commit, answer.status(),
                        answer.bodyStart());
            }
        } catch (IOException e) {
            forget(commit);
            LOG.warnf("cannot post the commit status for %s to %s: %s", commit, target.api().apiUrl(), e.getMessage());
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
        String text = "wave " + target.wave() + ": " + status.description();
        String description = text.length() > MAX_DESCRIPTION ? text.substring(0, MAX_DESCRIPTION - 1) + "…" : text;
        ForgeApi api = target.api();
        Map<String, String> body = new LinkedHashMap<>();
        if (api.type() == ForgeType.GITLAB) {
            body.put("state", status.state() == State.SUCCESS ? "success" : "failed");
            body.put("name", target.context());
        } else {
            body.put("state", status.state().name().toLowerCase());
            body.put("context", target.context());
        }
        body.put("description", description);
        target.targetUrl().ifPresent(url -> body.put("target_url", url));
        return api.request(api.postStatus(commit))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(body)))
                .build();
    }
}
