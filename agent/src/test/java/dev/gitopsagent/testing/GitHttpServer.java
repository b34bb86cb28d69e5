package dev.gitopsagent.testing;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A real Git smart-HTTP server on loopback: every request runs the real {@code git http-backend} as a CGI
 * program over the repositories under one root, so fetches exercise the same protocol (v0 or v2) as a
 * production Git host.
 *
 * <p>{@link #stop()} and {@link #restart()} simulate an outage on a stable URL; the byte counters measure the
 * HTTP bodies on the wire (as transmitted, i.e. still compressed) for transfer-size benchmarks.
 */
public final class GitHttpServer implements AutoCloseable {

    private static final Path HTTP_BACKEND = Path.of("/usr/lib/git-core/git-http-backend");
    private static final int HANDLER_THREADS = 8;

    private final Path reposRoot;
    private final Path cgiHome;
    private final Optional<TlsCertificate> tls;
    private final List<String> authorizations = java.util.Collections.synchronizedList(new ArrayList<>());
    private final List<String> requests = java.util.Collections.synchronizedList(new ArrayList<>());
    private final List<Integer> clientPorts = java.util.Collections.synchronizedList(new ArrayList<>());
    /** How many of the next requests get an answer cut short ({@link #breakNextAnswers}). */
    private final AtomicInteger answersToBreak = new AtomicInteger();
    private final ExecutorService handlers = Executors.newFixedThreadPool(HANDLER_THREADS, new DaemonThreads("git-http"));
    private final ExecutorService pumps = Executors.newCachedThreadPool(new DaemonThreads("git-http-pump"));
    private final AtomicLong bytesSent = new AtomicLong();
    private final AtomicLong bytesReceived = new AtomicLong();
    private final AtomicInteger requestCount = new AtomicInteger();
    private final AtomicInteger protocolV2RequestCount = new AtomicInteger();
    private volatile String requiredAuthorization;
    private volatile String requiredUser;
    /** Whether the Git-Protocol header is dropped, as by a proxy that does not pass it on: the backend then speaks protocol v0. */
    private volatile boolean dropGitProtocol;
    /** A {@code shallow <id>} or {@code unshallow <id>} line to add to upload-pack answers, or null. */
    private volatile String shallowLine;
    private HttpServer server;
    private int port;

    private GitHttpServer(Path reposRoot, Path cgiHome, Optional<TlsCertificate> tls) {
        this.reposRoot = reposRoot;
        this.cgiHome = cgiHome;
        this.tls = tls;
    }

    /** Serves every repository under {@code reposRoot} on {@code http://127.0.0.1:<ephemeral port>/<name>}. */
    public static GitHttpServer start(Path reposRoot) {
        return start(reposRoot, Optional.empty());
    }

    /** The same over HTTPS, on {@code https://127.0.0.1:<ephemeral port>/<name>}, with {@code certificate}. */
    public static GitHttpServer startHttps(Path reposRoot, TlsCertificate certificate) {
        return start(reposRoot, Optional.of(certificate));
    }

    private static GitHttpServer start(Path reposRoot, Optional<TlsCertificate> tls) {
        try {
            GitHttpServer server = new GitHttpServer(reposRoot.toAbsolutePath(), Files.createTempDirectory("git-http-home-"), tls);
            server.listen(0);
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public URI url(String repoName) {
        return URI.create((tls.isPresent() ? "https" : "http") + "://127.0.0.1:" + port + "/" + repoName);
    }

    /** Every Authorization header received, in order; requests without one add nothing. */
    public List<String> authorizations() {
        synchronized (authorizations) {
            return List.copyOf(authorizations);
        }
    }

    /** Every request since start or {@link #resetCounters()}, in order, as method and path ({@code GET /fleet.git/info/refs}). */
    public List<String> requests() {
        synchronized (requests) {
            return List.copyOf(requests);
        }
    }

    /**
     * The client's port of every request since start or {@link #resetCounters()}, in order: requests that came
     * over one connection share it.
     */
    public List<Integer> clientPorts() {
        synchronized (clientPorts) {
            return List.copyOf(clientPorts);
        }
    }

    /**
     * The next {@code count} requests are answered 200 with an upload-pack result that breaks off in its first
     * packet line, as when a connection is cut mid-answer.
     */
    public void breakNextAnswers(int count) {
        answersToBreak.set(count);
    }

    /** The Authorization header value of HTTP Basic credentials. */
    public static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    public int port() {
        return port;
    }

    /** Stops listening and drops open connections: new connections are refused until {@link #restart()}. */
    public synchronized void stop() {
        if (server != null) {
            server.stop(0);
            server = null;
        }
    }

    /** Listens again on the same port, so clients configured with {@link #url} recover. */
    public synchronized void restart() {
        if (server == null) {
            listen(port);
        }
    }

    /** HTTP response body bytes sent since start or {@link #resetCounters()}. */
    public long bytesSent() {
        return bytesSent.get();
    }

    /** HTTP request body bytes received (as transmitted, e.g. gzip-compressed) since start or reset. */
    public long bytesReceived() {
        return bytesReceived.get();
    }

    public int requestCount() {
        return requestCount.get();
    }

    /** Requests that asked for Git protocol v2 (header {@code Git-Protocol: version=2}). */
    public int protocolV2RequestCount() {
        return protocolV2RequestCount.get();
    }

    public void resetCounters() {
        bytesSent.set(0);
        bytesReceived.set(0);
        requestCount.set(0);
        protocolV2RequestCount.set(0);
        requests.clear();
        clientPorts.clear();
    }

    /** From now on, requests without these Basic credentials get 401 with {@code WWW-Authenticate: Basic realm="git"}. */
    public void requireBasicAuth(String user, String password) {
        this.requiredUser = user;
        this.requiredAuthorization = basic(user, password);
    }

    /**
     * From now on (or again, with {@code false}), the backend is not told which protocol the client asked for, as
     * behind a proxy that drops the {@code Git-Protocol} header: it answers in protocol v0.
     */
    public void dropGitProtocolHeader(boolean drop) {
        this.dropGitProtocol = drop;
    }

    /**
     * From now on, every upload-pack answer that carries a pack first says, in a protocol v2
     * {@code shallow-info} section, that {@code commit} is shallow: what a server that cuts the client's
     * history sends. Real servers send it only to clients that asked for a shallow fetch; this one sends
     * it unasked. {@code null} stops it.
     */
    public void sendUnsolicitedShallow(String commit) {
        this.shallowLine = commit == null ? null : "shallow " + commit;
    }

    /**
     * The same with {@code unshallow <commit>}: what a server says when it sends the history below a
     * client's shallow commit, which this one says without sending it. {@code null} stops it.
     */
    public void sendUnsolicitedUnshallow(String commit) {
        this.shallowLine = commit == null ? null : "unshallow " + commit;
    }

    @Override
    public synchronized void close() {
        stop();
        handlers.shutdownNow();
        pumps.shutdownNow();
        WorkRepo.deleteRecursively(cgiHome);
    }

    private void listen(int requestedPort) {
        try {
            InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), requestedPort);
            HttpServer http = TlsCertificate.server(address, 50, tls);
            http.createContext("/", this::handle);
            http.setExecutor(handlers);
            http.start();
            this.server = http;
            this.port = http.getAddress().getPort();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on 127.0.0.1:" + requestedPort, e);
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        try {
            requestCount.incrementAndGet();
            requests.add(exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath());
            clientPorts.add(exchange.getRemoteAddress().getPort());
            String gitProtocol = exchange.getRequestHeaders().getFirst("Git-Protocol");
            if (gitProtocol != null && gitProtocol.contains("version=2")) {
                protocolV2RequestCount.incrementAndGet();
            }
            InputStream requestBody = CountingStreams.counting(exchange.getRequestBody(), bytesReceived);
            String received = exchange.getRequestHeaders().getFirst("Authorization");
            if (received != null) {
                authorizations.add(received);
            }
            String authorization = requiredAuthorization;
            if (authorization != null && !authorization.equals(received)) {
                requestBody.transferTo(OutputStream.nullOutputStream());
                exchange.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"git\"");
                exchange.sendResponseHeaders(401, -1);
                return;
            }
            if (answersToBreak.getAndUpdate(left -> Math.max(0, left - 1)) > 0) {
                requestBody.transferTo(OutputStream.nullOutputStream());
                exchange.getResponseHeaders().add("Content-Type", "application/x-git-upload-pack-result");
                exchange.sendResponseHeaders(200, 0);
                try (OutputStream body = exchange.getResponseBody()) {
                    // A packet line announced as 50 bytes, of which none follow.
                    body.write("0032".getBytes(StandardCharsets.US_ASCII));
                }
                return;
            }
            runCgi(exchange, requestBody, authorization != null ? requiredUser : null);
        } finally {
            exchange.close();
        }
    }

    private void runCgi(HttpExchange exchange, InputStream requestBody, String remoteUser) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(httpBackendCommand());
        builder.environment().clear();
        builder.environment().putAll(cgiEnvironment(exchange, remoteUser));
        Process cgi = builder.start();
        try {
            // Feed the body concurrently: the backend may start answering before it has read everything.
            CompletableFuture<Void> feeding = CompletableFuture.runAsync(() -> feed(requestBody, cgi), pumps);
            CompletableFuture<String> errors = CompletableFuture.supplyAsync(() -> drain(cgi.getErrorStream()), pumps);
            InputStream cgiOutput = cgi.getInputStream();
            String shallow = shallowLine;
            CgiResponseHead head;
            try {
                head = CgiResponseHead.readFrom(cgiOutput);
            } catch (IOException noHead) {
                respondServerError(exchange, noHead.getMessage() + "\n" + errors.join());
                return;
            }
            Headers responseHeaders = exchange.getResponseHeaders();
            head.headers().forEach(header -> responseHeaders.add(header.getKey(), header.getValue()));
            boolean noBody = exchange.getRequestMethod().equals("HEAD") || head.status() == 204 || head.status() == 304;
            long length = noBody ? -1 : head.contentLength().stream().map(n -> n == 0 ? -1 : n).findFirst().orElse(0);
            exchange.sendResponseHeaders(head.status(), length);
            if (!noBody) {
                try (OutputStream body = CountingStreams.counting(exchange.getResponseBody(), bytesSent)) {
                    InputStream answer = shallow != null && exchange.getRequestURI().getPath().endsWith("/git-upload-pack")
                            ? ShallowInfo.insertBeforePackfile(cgiOutput, shallow) : cgiOutput;
                    answer.transferTo(body);
                }
            }
            feeding.join();
            cgi.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            cgi.destroyForcibly();
        }
    }

    private Map<String, String> cgiEnvironment(HttpExchange exchange, String remoteUser) {
        Headers request = exchange.getRequestHeaders();
        URI uri = exchange.getRequestURI();
        Map<String, String> env = new java.util.HashMap<>(WorkRepo.gitEnvironment(cgiHome));
        env.put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
        env.put("GIT_PROJECT_ROOT", reposRoot.toString());
        env.put("GIT_HTTP_EXPORT_ALL", "1");
        env.put("GATEWAY_INTERFACE", "CGI/1.1");
        env.put("SERVER_PROTOCOL", exchange.getProtocol());
        env.put("SERVER_NAME", "127.0.0.1");
        env.put("SERVER_PORT", Integer.toString(port));
        env.put("REQUEST_METHOD", exchange.getRequestMethod());
        env.put("REQUEST_URI", uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery()));
        env.put("SCRIPT_NAME", "");
        env.put("PATH_INFO", uri.getPath());
        env.put("QUERY_STRING", uri.getRawQuery() == null ? "" : uri.getRawQuery());
        env.put("REMOTE_ADDR", exchange.getRemoteAddress().getAddress().getHostAddress());
        putIfPresent(env, "CONTENT_TYPE", request.getFirst("Content-Type"));
        // Without CONTENT_LENGTH (chunked requests) git-http-backend reads the body until EOF.
        putIfPresent(env, "CONTENT_LENGTH", request.getFirst("Content-Length"));
        // git-http-backend inflates gzip bodies itself when told so, as Apache would pass it on.
        putIfPresent(env, "HTTP_CONTENT_ENCODING", request.getFirst("Content-Encoding"));
        // Protocol v2 is negotiated through this header; git reads GIT_PROTOCOL (HTTP_GIT_PROTOCOL since 2.x).
        if (!dropGitProtocol) {
            putIfPresent(env, "GIT_PROTOCOL", request.getFirst("Git-Protocol"));
            putIfPresent(env, "HTTP_GIT_PROTOCOL", request.getFirst("Git-Protocol"));
        }
        if (remoteUser != null) {
            env.put("REMOTE_USER", remoteUser);
            env.put("AUTH_TYPE", "Basic");
        }
        return env;
    }

    private static String[] httpBackendCommand() {
        return Files.isExecutable(HTTP_BACKEND)
                ? new String[] {HTTP_BACKEND.toString()}
                : new String[] {"git", "http-backend"};
    }

    private static void putIfPresent(Map<String, String> env, String name, String value) {
        if (value != null) {
            env.put(name, value);
        }
    }

    private static void feed(InputStream requestBody, Process cgi) {
        try (OutputStream stdin = cgi.getOutputStream()) {
            requestBody.transferTo(stdin);
        } catch (IOException ignored) {
            // the backend exited without reading everything (e.g. an error response); the answer says why
        }
    }

    private static String drain(InputStream stream) {
        try (stream) {
            ByteArrayOutputStream buffer = new ByteArrayOutputStream();
            stream.transferTo(buffer);
            return buffer.toString(StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    private static void respondServerError(HttpExchange exchange, String message) throws IOException {
        byte[] body = ("git http-backend failed: " + message).getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        exchange.sendResponseHeaders(500, body.length);
        exchange.getResponseBody().write(body);
    }
}
