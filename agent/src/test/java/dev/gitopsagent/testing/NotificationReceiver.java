package dev.gitopsagent.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;

/**
 * A notification receiver on loopback (a chat webhook, a Matrix homeserver): records every request and
 * answers with the statuses it was told to, then 200.
 */
public final class NotificationReceiver implements AutoCloseable {

    /** One request as received. */
    public record Request(String method, String path, String authorization, String contentType, String body) {
    }

    /** Not an HTTP status: the answer of {@link #answerWithoutEnd()}. */
    private static final int WITHOUT_END = -1;

    private final HttpServer server;
    private final String scheme;
    private final BlockingQueue<Request> requests = new LinkedBlockingQueue<>();
    private final ConcurrentLinkedQueue<Integer> statuses = new ConcurrentLinkedQueue<>();

    private NotificationReceiver(HttpServer server, String scheme) {
        this.server = server;
        this.scheme = scheme;
        server.createContext("/", this::handle);
        server.start();
    }

    public static NotificationReceiver http() {
        try {
            return new NotificationReceiver(HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 10), "http");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Over HTTPS with {@code certificate}, which the test makes this JVM trust. */
    public static NotificationReceiver https(TlsCertificate certificate) {
        try {
            HttpsServer https = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 10);
            https.setHttpsConfigurator(new HttpsConfigurator(certificate.serverContext()));
            return new NotificationReceiver(https, "https");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public URI url(String path) {
        return URI.create(scheme + "://127.0.0.1:" + server.getAddress().getPort() + path);
    }

    /** The next requests are answered with these statuses, in order; then 200 again. */
    public void answer(Integer... statusCodes) {
        statuses.addAll(List.of(statusCodes));
    }

    /** The next request is answered 200 with a body that never ends, until the client stops reading it. */
    public void answerWithoutEnd() {
        statuses.add(WITHOUT_END);
    }

    /** The next request received within {@code timeout}, if any. */
    public Optional<Request> next(Duration timeout) throws InterruptedException {
        return Optional.ofNullable(requests.poll(timeout.toMillis(), TimeUnit.MILLISECONDS));
    }

    /** Every request received within {@code timeout} until {@code count} have arrived. */
    public List<Request> take(int count, Duration timeout) throws InterruptedException {
        List<Request> taken = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (taken.size() < count) {
            Request request = requests.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (request == null) {
                break;
            }
            taken.add(request);
        }
        return taken;
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            requests.add(new Request(exchange.getRequestMethod(), exchange.getRequestURI().getPath(),
                    exchange.getRequestHeaders().getFirst("Authorization"), exchange.getRequestHeaders().getFirst("Content-Type"), body));
            Integer status = statuses.poll();
            if (status != null && status == WITHOUT_END) {
                exchange.sendResponseHeaders(200, 0);
                byte[] chunk = "ok ".repeat(20_000).getBytes(StandardCharsets.US_ASCII);
                try (OutputStream out = exchange.getResponseBody()) {
                    while (true) {
                        out.write(chunk);
                    }
                } catch (IOException clientStoppedReading) {
                    return;
                }
            }
            exchange.sendResponseHeaders(status == null ? 200 : status, -1);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
