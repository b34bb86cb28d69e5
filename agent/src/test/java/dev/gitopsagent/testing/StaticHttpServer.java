package dev.gitopsagent.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsServer;

/**
 * Serves the files under one directory over HTTP on loopback, as a plain web server in front of a
 * binary cache does ({@code nix copy --to file://DIR} filled it): GET of a file answers it, anything
 * else 404. Over HTTPS too, with a {@link TlsCertificate} for 127.0.0.1.
 */
public final class StaticHttpServer implements AutoCloseable {

    private final Path root;
    private final HttpServer server;

    private StaticHttpServer(Path root, Optional<TlsCertificate> tls) throws IOException {
        this.root = root.toAbsolutePath().normalize();
        this.server = TlsCertificate.server(new InetSocketAddress("127.0.0.1", 0), 0, tls);
        server.createContext("/", this::handle);
        server.start();
    }

    public static StaticHttpServer serve(Path root) {
        return start(root, Optional.empty());
    }

    public static StaticHttpServer serveHttps(Path root, TlsCertificate certificate) {
        return start(root, Optional.of(certificate));
    }

    private static StaticHttpServer start(Path root, Optional<TlsCertificate> tls) {
        try {
            return new StaticHttpServer(root, tls);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String url() {
        return (server instanceof HttpsServer ? "https" : "http") + "://127.0.0.1:" + server.getAddress().getPort();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            Path file = root.resolve(exchange.getRequestURI().getPath().substring(1)).normalize();
            boolean head = "HEAD".equals(exchange.getRequestMethod());
            if (!file.startsWith(root) || !Files.isRegularFile(file) || !(head || "GET".equals(exchange.getRequestMethod()))) {
                exchange.sendResponseHeaders(404, -1);
                return;
            }
            byte[] body = Files.readAllBytes(file);
            exchange.sendResponseHeaders(200, head ? -1 : body.length);
            if (!head) {
                exchange.getResponseBody().write(body);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
