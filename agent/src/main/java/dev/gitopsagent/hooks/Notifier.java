package dev.gitopsagent.hooks;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.gitopsagent.BoundedAnswer;
import dev.gitopsagent.config.AgentConfig;
import dev.gitopsagent.config.AgentConfig.NotificationFormat;
import dev.gitopsagent.config.ConfigFiles;
import dev.gitopsagent.config.InvalidConfigException;

/**
 * Sends each event to the configured notification webhooks on a background executor, retrying a
 * failed delivery (no answer, or not 2xx) with doubling delays; a receiver that stays down costs log
 * lines, never a deployment. Matrix gets a {@code PUT} to {@code <url>/<transaction id>} with the
 * access token as a bearer token, the same transaction id on every retry so the room shows one
 * message; the others a {@code POST}, with the token as a bearer token when one is configured.
 */
final class Notifier {

    private static final Logger LOG = Logger.getLogger(Notifier.class);
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);

    /** One receiver; {@code token} is what its token file held. */
    record Endpoint(String name, URI url, NotificationFormat format, Optional<String> token) {
    }

    /** How often and how patiently a delivery is tried. */
    record Retry(int attempts, Duration firstDelay) {
    }

    /**
     * The configured receivers, each token read from its file (owner-only, checked like every secret
     * file) and sent only over https://: a broken one stops startup naming its key.
     */
    static List<Endpoint> configured(AgentConfig config) {
        return config.notifications().entrySet().stream().sorted(java.util.Map.Entry.comparingByKey()).map(entry -> {
            String key = "gitops.notify." + entry.getKey() + ".";
            AgentConfig.Notification notification = entry.getValue();
            URI url = URI.create(notification.url());
            Optional<String> token = notification.tokenFile().map(file -> {
                if (!"https".equals(url.getScheme())) {
                    throw new InvalidConfigException(key + "token-file", "is set, but " + url + " is not an https:// URL: the token"
                            + " would travel in the clear; use https:// or remove the token");
                }
                return ConfigFiles.readOwnerOnlySecret(file, key + "token-file");
            });
            return new Endpoint(entry.getKey(), url, notification.format(), token);
        }).toList();
    }

    private final List<Endpoint> endpoints;
    private final ScheduledExecutorService executor;
    private final Retry retry;
    private final ObjectMapper json = new ObjectMapper();
    private final AtomicLong transactions = new AtomicLong();
    /**
     * Made at the first delivery, on the executor's one thread: a client starts a selector thread and
     * sets up TLS, which an agent without receivers (most of them) would carry from startup for nothing.
     */
    private HttpClient http;

    /** {@code executor} must run one task at a time (it also guards the client). */
    Notifier(List<Endpoint> endpoints, ScheduledExecutorService executor, Retry retry) {
        this.endpoints = List.copyOf(endpoints);
        this.executor = executor;
        this.retry = retry;
    }

    void send(Event event) {
        for (Endpoint endpoint : endpoints) {
            try {
                byte[] body = json.writeValueAsBytes(Payload.of(endpoint.format(), event));
                String transaction = "gitops-" + event.at().toEpochMilli() + "-" + transactions.incrementAndGet();
                executor.execute(() -> deliver(endpoint, body, transaction, 1));
            } catch (JsonProcessingException e) {
                LOG.errorf("cannot write the %s notification for %s: %s", endpoint.format(), endpoint.name(), e.getMessage());
            }
        }
    }

    private void deliver(Endpoint endpoint, byte[] body, String transaction, int attempt) {
        String problem;
        try {
            if (http == null) {
                http = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT).build();
            }
            BoundedAnswer answer = BoundedAnswer.send(http, request(endpoint, body, transaction), 0);
            if (answer.isSuccess()) {
                return;
            }
            problem = "HTTP " + answer.status();
        } catch (IOException e) {
            problem = e.toString();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        if (attempt >= retry.attempts()) {
            LOG.warnf("notification %s not delivered after %d attempts (last: %s)", endpoint.name(), attempt, problem);
            return;
        }
        long delay = retry.firstDelay().toMillis() << (attempt - 1);
        LOG.infof("notification %s: %s; retrying in %d ms", endpoint.name(), problem, delay);
        executor.schedule(() -> deliver(endpoint, body, transaction, attempt + 1), delay, TimeUnit.MILLISECONDS);
    }

    private static HttpRequest request(Endpoint endpoint, byte[] body, String transaction) {
        boolean matrix = endpoint.format() == NotificationFormat.MATRIX;
        URI target = matrix ? URI.create(endpoint.url().toString().replaceFirst("/*$", "") + "/" + transaction) : endpoint.url();
        HttpRequest.Builder request = HttpRequest.newBuilder(target).timeout(REQUEST_TIMEOUT).header("Content-Type", "application/json");
        endpoint.token().ifPresent(token -> request.header("Authorization", "Bearer " + token));
        HttpRequest.BodyPublisher publisher = HttpRequest.BodyPublishers.ofByteArray(body);
        return (matrix ? request.PUT(publisher) : request.POST(publisher)).build();
    }
}
