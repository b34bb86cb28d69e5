package dev.gitopsagent.config;

import org.eclipse.microprofile.config.spi.Converter;

/**
 * {@code gitops.http.port}, refused as the configuration is read. Quarkus binds the port right after the
 * agent's startup checks run, so a port out of range caught there would still be followed by Quarkus's
 * own bind failure; refused here, the agent stops with this one message, as for any value of the wrong type.
 */
public final class TcpPort implements Converter<Integer> {

    @Override
    public Integer convert(String value) {
        int port = Integer.parseInt(value.strip());
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("must be between 0 and 65535, not " + port);
        }
        return port;
    }
}
