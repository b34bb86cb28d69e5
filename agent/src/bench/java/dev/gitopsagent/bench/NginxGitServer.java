package dev.gitopsagent.bench;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * The Git server a forge or a self-hosted remote actually runs: nginx in front of
 * {@code git http-backend} through fcgiwrap, on loopback, with its own configuration, logs and
 * temporary files under {@code directory}. Both clients (agent and git CLI) meet the same server, so
 * the figures include what a real server costs per request (a CGI process per request), unlike the
 * test suite's in-process server.
 *
 * <p>Server cost per operation: requests and bytes (headers included) from nginx's access log, CPU
 * of nginx, fcgiwrap and every {@code git http-backend} / {@code git upload-pack} they ran from a
 * {@link CpuGroup} of their own. Where no control group can be made, from {@code /proc/<pid>/stat}
 * instead, which misses the CGI children fcgiwrap leaves to the kernel and counts in 10 ms ticks.
 */
final class NginxGitServer implements AutoCloseable {

    private static final Path NGINX = Path.of("/usr/sbin/nginx");
    private static final Path FCGIWRAP = Path.of("/usr/sbin/fcgiwrap");
    private static final Path HTTP_BACKEND = Path.of("/usr/lib/git-core/git-http-backend");

    private final int port;
    private final Path accessLog;
    private final Process fcgiwrap;
    private final Process nginx;
    private final Optional<CpuGroup> cpu;
    private long logOffset;

    private NginxGitServer(int port, Path accessLog, Process fcgiwrap, Process nginx, Optional<CpuGroup> cpu) {
        this.port = port;
        this.accessLog = accessLog;
        this.fcgiwrap = fcgiwrap;
        this.nginx = nginx;
        this.cpu = cpu;
    }

    /** Starts nginx and fcgiwrap serving every repository under {@code repos}; waits until nginx accepts connections. */
    static NginxGitServer start(Path directory, Path repos) throws IOException, InterruptedException {
        for (Path binary : List.of(NGINX, FCGIWRAP, HTTP_BACKEND)) {
            if (!Files.isExecutable(binary)) {
                throw new IllegalStateException(binary + " is missing: install nginx, fcgiwrap and git");
            }
        }
        Files.createDirectories(directory.resolve("tmp"));
        Path socket = directory.resolve("fcgiwrap.sock");
        Files.deleteIfExists(socket);
        Path accessLog = directory.resolve("access.log");
        Files.deleteIfExists(accessLog);
        int port = freePort();
        Path config = Files.writeString(directory.resolve("nginx.conf"), config(directory, repos.toAbsolutePath(), socket, accessLog, port));
        // Four workers: a CGI request occupies one until git exits, and the benchmarks never run more than one client at once.
        Optional<CpuGroup> cpu = CpuGroup.create("gitops-bench-server");
        UnaryOperator<List<String>> inGroup = command -> cpu.map(group -> group.wrap(command)).orElse(command);
        Process fcgiwrap = new ProcessBuilder(inGroup.apply(List.of(FCGIWRAP.toString(), "-c", "4", "-s", "unix:" + socket)))
                .redirectErrorStream(true).redirectOutput(directory.resolve("fcgiwrap.log").toFile()).start();
        Process nginx = new ProcessBuilder(inGroup.apply(List.of(NGINX.toString(), "-c", config.toString(), "-p", directory.toString())))
                .redirectErrorStream(true).redirectOutput(directory.resolve("nginx.out").toFile()).start();
        NginxGitServer server = new NginxGitServer(port, accessLog, fcgiwrap, nginx, cpu);
        server.awaitListening(directory);
        return server;
    }

    private static String config(Path directory, Path repos, Path socket, Path accessLog, int port) {
        String user = System.getProperty("user.name");
        return """
                daemon off;
                master_process on;
                worker_processes 1;
                %s
                pid %s;
                error_log %s warn;
                events { worker_connections 256; }
                http {
                  log_format bench '$request_length $bytes_sent "$request" $status';
                  access_log %s bench;
                  client_body_temp_path %s/body;
                  fastcgi_temp_path %s/fastcgi;
                  proxy_temp_path %s/proxy;
                  uwsgi_temp_path %s/uwsgi;
                  scgi_temp_path %s/scgi;
                  server {
                    listen 127.0.0.1:%d;
                    client_max_body_size 0;
                    location / {
                      fastcgi_pass unix:%s;
                      fastcgi_param SCRIPT_FILENAME %s;
                      fastcgi_param GIT_PROJECT_ROOT %s;
                      fastcgi_param GIT_HTTP_EXPORT_ALL "";
                      fastcgi_param PATH_INFO $uri;
                      fastcgi_param QUERY_STRING $query_string;
                      fastcgi_param REQUEST_METHOD $request_method;
                      fastcgi_param CONTENT_TYPE $content_type;
                      fastcgi_param CONTENT_LENGTH $content_length;
                      fastcgi_param GIT_PROTOCOL $http_git_protocol;
                      fastcgi_param HTTP_CONTENT_ENCODING $http_content_encoding;
                      fastcgi_param REMOTE_ADDR $remote_addr;
                      fastcgi_param REMOTE_USER $remote_user;
                      fastcgi_param SERVER_PROTOCOL $server_protocol;
                      fastcgi_request_buffering off;
                      fastcgi_buffering off;
                    }
                  }
                }
                """.formatted("root".equals(user) ? "user root;" : "", directory.resolve("nginx.pid"), directory.resolve("error.log"),
                accessLog, directory.resolve("tmp"), directory.resolve("tmp"), directory.resolve("tmp"), directory.resolve("tmp"),
                directory.resolve("tmp"), port, socket, HTTP_BACKEND, repos);
    }

    private void awaitListening(Path directory) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            if (!nginx.isAlive()) {
                close();
                throw new IllegalStateException("nginx exited: " + Files.readString(directory.resolve("nginx.out"))
                        + (Files.exists(directory.resolve("error.log")) ? Files.readString(directory.resolve("error.log")) : ""));
            }
            try (Socket probe = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException e) {
                Thread.sleep(20);
            }
        }
        close();
        throw new IllegalStateException("nginx did not listen on port " + port);
    }

    URI url(String repository) {
        return URI.create("http://127.0.0.1:" + port + "/" + repository);
    }

    /** What the server did while {@code operation} ran. */
    record Load(int requests, long bytes, double cpuMillis) {
    }

    /** Runs the operation and returns its client-side cost with the server's load of the same interval. */
    <T> Metered<T> measure(Supplier<T> operation) {
        try {
            long before = serverCpuNanos();
            readLog();
            T result = operation.get();
            // A CGI child may still be exiting after the client has its answer; give fcgiwrap a moment to reap it.
            Thread.sleep(2);
            List<String> lines = readLog();
            long bytes = 0;
            for (String line : lines) {
                String[] fields = line.split(" ");
                bytes += Long.parseLong(fields[0]) + Long.parseLong(fields[1]);
            }
            return new Metered<>(result, new Load(lines.size(), bytes, (serverCpuNanos() - before) / 1e6));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    record Metered<T>(T result, Load load) {
    }

    /** New lines of the access log since the last call. */
    private List<String> readLog() throws IOException {
        List<String> lines = new ArrayList<>();
        if (!Files.exists(accessLog)) {
            return lines;
        }
        try (RandomAccessFile file = new RandomAccessFile(accessLog.toFile(), "r")) {
            file.seek(logOffset);
            byte[] rest = new byte[(int) (file.length() - logOffset)];
            file.readFully(rest);
            String text = new String(rest, StandardCharsets.UTF_8);
            int end = text.lastIndexOf('\n') + 1;
            logOffset += text.substring(0, end).getBytes(StandardCharsets.UTF_8).length;
            for (String line : text.substring(0, end).split("\n")) {
                if (!line.isBlank()) {
                    lines.add(line);
                }
            }
        }
        return lines;
    }

    /** Whether server CPU is exact (a control group) or a lower bound from /proc. */
    String cpuSource() {
        return cpu.isPresent() ? "control group (exact)" : "/proc ticks of nginx and fcgiwrap (misses CGI children)";
    }

    private long serverCpuNanos() {
        return cpu.map(CpuGroup::usageNanos).orElseGet(() -> Math.round(serverTicks() * ProcStat.TICK_MILLIS * 1e6));
    }

    /** utime + stime + cutime + cstime of nginx, fcgiwrap and their live descendants, in clock ticks. */
    private long serverTicks() {
        long ticks = 0;
        for (Process root : List.of(nginx, fcgiwrap)) {
            ticks += ProcStat.ticks(root.pid());
            ticks += root.descendants().mapToLong(child -> ProcStat.ticks(child.pid())).sum();
        }
        return ticks;
    }

    @Override
    public void close() {
        // fcgiwrap's workers outlive their parent when only the parent is signalled, so end every descendant by pid.
        for (Process root : List.of(nginx, fcgiwrap)) {
            List<ProcessHandle> children = root.descendants().toList();
            root.destroy();
            children.forEach(ProcessHandle::destroy);
        }
        for (Process root : List.of(nginx, fcgiwrap)) {
            try {
                if (!root.waitFor(5, TimeUnit.SECONDS)) {
                    root.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        cpu.ifPresent(CpuGroup::close);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
