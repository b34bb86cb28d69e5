package dev.gitopsagent.bench;

import java.util.function.Supplier;

import dev.gitopsagent.testing.GitHttpServer;

/** Adds the bytes the git server sent and received during an operation (HTTP bodies, as transmitted) to its cost. */
public final class WireMeter {

    private final GitHttpServer server;

    public WireMeter(GitHttpServer server) {
        this.server = server;
    }

    public Cost measure(Supplier<Cost> operation) {
        server.resetCounters();
        Cost cost = operation.get();
        return cost.withWireBytes(server.bytesSent() + server.bytesReceived());
    }
}
