package dev.gitopsagent.cli;

import java.io.IOException;
import java.io.Reader;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * Where the agent listens and which token file unlocks it. An option wins over the environment, which
 * wins over the agent's own configuration file, so on a host {@code sudo gitops-agent rollback} needs
 * no arguments: it reads the same file the service does.
 *
 * @param url        the agent's base URL, without a trailing slash
 * @param tokenFile  the control token file, if any source named one
 * @param configFile the agent configuration consulted, for messages
 * @param configProblem why that file could not be used, if it could not
 */
public record AgentLocation(URI url, Optional<Path> tokenFile, Path configFile, Optional<String> configProblem) {

    static final Path DEFAULT_CONFIG = Path.of("/etc/gitops-agent/agent.properties");

    public static AgentLocation resolve(CliArguments args, Map<String, String> env) throws UsageException {
        Path configFile = configFile(env);
        Properties config = new Properties();
        String problem = null;
        boolean needConfig = args.url().isEmpty() && blank(env.get("GITOPS_AGENT_URL"))
                || args.tokenFile().isEmpty() && blank(env.get("GITOPS_CONTROL_TOKEN_FILE"));
        if (needConfig) {
            problem = load(configFile, config);
        }
        String url = args.url()
                .or(() -> nonBlank(env.get("GITOPS_AGENT_URL")))
                .orElseGet(() -> "http://" + hostForUrl(config.getProperty("gitops.http.host", "127.0.0.1").strip())
                        + ":" + config.getProperty("gitops.http.port", "9420").strip());
        Optional<Path> tokenFile = args.tokenFile()
                .or(() -> nonBlank(env.get("GITOPS_CONTROL_TOKEN_FILE")).map(Path::of))
                .or(() -> nonBlank(config.getProperty("gitops.control.token-file")).map(String::strip).map(Path::of));
        return new AgentLocation(parseUrl(url), tokenFile, configFile, Optional.ofNullable(problem));
    }

    /** Quarkus takes a comma-separated list; the service is given one file, so the first is the one that matters. */
    static Path configFile(Map<String, String> env) {
        String locations = env.get("QUARKUS_CONFIG_LOCATIONS");
        if (blank(locations)) {
            return DEFAULT_CONFIG;
        }
        String first = locations.split(",")[0].strip();
        return Path.of(first.startsWith("file:") ? URI.create(first).getPath() : first);
    }

    private static String load(Path file, Properties into) {
        if (!Files.exists(file)) {
            return file + " does not exist";
        }
        try (Reader reader = Files.newBufferedReader(file)) {
            into.load(reader);
            return null;
        } catch (IOException e) {
            return file + " cannot be read (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")";
        }
    }

    /** The agent may be told to bind to every address; the CLI still has to connect to one. */
    private static String hostForUrl(String bindHost) {
        if (bindHost.equals("0.0.0.0") || bindHost.isEmpty()) {
            return "127.0.0.1";
        }
        if (bindHost.equals("::") || bindHost.equals("[::]")) {
            return "[::1]";
        }
        return bindHost.contains(":") && !bindHost.startsWith("[") ? "[" + bindHost + "]" : bindHost;
    }

    private static URI parseUrl(String url) throws UsageException {
        String trimmed = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
        try {
            URI uri = URI.create(trimmed);
            if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
                throw new UsageException("the agent URL must look like http://127.0.0.1:9420, not '" + url + "'");
            }
            return uri;
        } catch (IllegalArgumentException e) {
            throw new UsageException("the agent URL must look like http://127.0.0.1:9420, not '" + url + "'");
        }
    }

    private static Optional<String> nonBlank(String value) {
        return blank(value) ? Optional.empty() : Optional.of(value.strip());
    }

    private static boolean blank(String value) {
        return value == null || value.isBlank();
    }
}
