package dev.gitopsagent.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * {@code gitops-agent <command>}: a client of a running agent's HTTP API. Runs without Quarkus, so it
 * starts in a fraction of a second and never touches the agent's state directly.
 */
public final class Cli {

    public static final int OK = 0;
    /** The agent answered but did not do it (409, 400, or any other non-success answer). */
    public static final int NOT_DONE = 1;
    public static final int USAGE = 2;
    public static final int UNAUTHORIZED = 3;
    public static final int UNREACHABLE = 4;

    static final String USAGE_TEXT = """
            Usage: gitops-agent <command> [options]

            Commands (talk to the agent running on this host):
              status [--json]                  what is deployed, what the remote has, what went wrong
              trigger                          poll and reconcile now
              suspend [--reason TEXT]          stop deploying new commits
              resume                           deploy again
              retry                            try the refused or failed head commit again
              rollback [--resume-on-new-commit]
                                               switch to the previous system generation and suspend;
                                               with the option, resume once a newer commit arrives
              deploy-now                       activate the next commit without waiting for its wave
                                               or a maintenance window (a signed halt still holds)
              skip-window                      activate the next commit outside the maintenance windows
                                               once; the wave still applies
              help                             this text

            Options:
              --url URL          the agent's API (default: $GITOPS_AGENT_URL, else gitops.http.host and
                                 gitops.http.port from the agent's configuration, else http://127.0.0.1:9420)
              --token-file PATH  control token (default: $GITOPS_CONTROL_TOKEN_FILE, else
                                 gitops.control.token-file from the agent's configuration)
              --json             print the agent's JSON answer

            The agent's configuration is the first entry of $QUARKUS_CONFIG_LOCATIONS, else
            /etc/gitops-agent/agent.properties; reading the token usually needs root (sudo).

            Without a command, gitops-agent runs the agent; 'gitops-agent demo [dir]' runs a local demo.

            Exit codes: 0 done; 1 the agent answered but did not do it; 2 usage error;
            3 unauthorized or no token; 4 agent unreachable.
            """;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final PrintStream out;
    private final PrintStream err;
    private final Map<String, String> env;
    private final Clock clock;

    public Cli(PrintStream out, PrintStream err, Map<String, String> env, Clock clock) {
        this.out = out;
        this.err = err;
        this.env = env;
        this.clock = clock;
    }

    public static int main(String... args) {
        // Without Quarkus nobody configures the JBoss log manager the launcher installs, which then buffers
        // the JDK's debug records (TLS, HttpClient) and can dump them all on stderr at exit.
        Logger.getLogger("").setLevel(Level.WARNING);
        return new Cli(System.out, System.err, System.getenv(), Clock.systemUTC()).run(args);
    }

    public int run(String... args) {
        CliArguments arguments;
        AgentLocation location;
        try {
            arguments = CliArguments.parse(args);
            if (arguments.command() == Command.HELP) {
                out.print(USAGE_TEXT);
                return OK;
            }
            location = AgentLocation.resolve(arguments, env);
        } catch (UsageException e) {
            err.println("gitops-agent: " + e.getMessage());
            err.println("Run 'gitops-agent help' for usage.");
            return USAGE;
        }
        AgentClient client = new AgentClient(location.url());
        try {
            return arguments.command() == Command.STATUS ? status(client, arguments, location)
                    : control(client, arguments, location);
        } catch (AgentClient.UnreachableException e) {
            err.println("gitops-agent: cannot reach the agent at " + location.url() + ": " + e.getMessage()
                    + "; is gitops-agent running?" + unlessExplicit(arguments, location));
            return UNREACHABLE;
        }
    }

    private int status(AgentClient client, CliArguments arguments, AgentLocation location) throws AgentClient.UnreachableException {
        AgentClient.Answer answer = client.status();
        if (answer.status() != 200) {
            err.println("gitops-agent: the agent at " + location.url() + " answered GET /status with HTTP " + answer.status()
                    + bodyExcerpt(answer.body()));
            return NOT_DONE;
        }
        JsonNode status;
        try {
            status = JSON.readTree(answer.body());
        } catch (JsonProcessingException e) {
            err.println("gitops-agent: " + location.url() + "/status did not answer JSON; is that a gitops-agent?"
                    + bodyExcerpt(answer.body()));
            return NOT_DONE;
        }
        out.print(arguments.json() ? withNewline(answer.body()) : new StatusFormatter(clock.instant()).format(status));
        return OK;
    }

    private int control(AgentClient client, CliArguments arguments, AgentLocation location) throws AgentClient.UnreachableException {
        Optional<String> token;
        try {
            token = readToken(location);
        } catch (IOException e) {
            err.println("gitops-agent: " + e.getMessage());
            return UNAUTHORIZED;
        }
        if (token.isEmpty()) {
            err.println("gitops-agent: no control token: pass --token-file PATH, set GITOPS_CONTROL_TOKEN_FILE, or set "
                    + "gitops.control.token-file in " + location.configFile()
                    + location.configProblem().map(p -> " (" + p + ")").orElse(""));
            return UNAUTHORIZED;
        }
        Command command = arguments.command();
        Optional<String> parameter = Optional.empty();
        Optional<String> value = Optional.empty();
        if (command == Command.SUSPEND && arguments.reason().isPresent()) {
            parameter = Optional.of("reason");
            value = arguments.reason();
        } else if (command == Command.ROLLBACK) {
            parameter = Optional.of("resume");
            value = Optional.of(arguments.resumeOnNewCommit() ? "on-new-commit" : "manual");
        }
        AgentClient.Answer answer = client.control(command.word(), token.get(), parameter, value);
        String message = message(answer.body());
        if (arguments.json()) {
            out.print(withNewline(answer.body()));
        }
        if (answer.status() == 200) {
            if (!arguments.json()) {
                out.println(message != null ? message : command.word() + ": done");
            }
            return OK;
        }
        if (answer.status() == 401) {
            err.println("gitops-agent: the agent refused the token: " + (message != null ? message : "HTTP 401")
                    + " (token from " + location.tokenFile().orElseThrow() + ")");
            return UNAUTHORIZED;
        }
        if (answer.status() == 409) {
            err.println("gitops-agent: " + command.word() + " not done: " + (message != null ? message : "HTTP 409"));
            return NOT_DONE;
        }
        err.println("gitops-agent: the agent answered " + command.word() + " with HTTP " + answer.status()
                + (message != null ? ": " + message : bodyExcerpt(answer.body())));
        return NOT_DONE;
    }

    private static Optional<String> readToken(AgentLocation location) throws IOException {
        if (location.tokenFile().isEmpty()) {
            return Optional.empty();
        }
        Path file = location.tokenFile().get();
        String token;
        try {
            token = Files.readString(file).strip();
        } catch (NoSuchFileException e) {
            throw new IOException("the control token file " + file + " does not exist");
        } catch (AccessDeniedException e) {
            throw new IOException("cannot read the control token file " + file + ": permission denied; run as root (sudo)?");
        } catch (IOException e) {
            throw new IOException("cannot read the control token file " + file + ": " + e.getMessage());
        }
        if (token.isEmpty()) {
            throw new IOException("the control token file " + file + " is empty");
        }
        if (!token.chars().allMatch(c -> c >= 0x20 && c < 0x7f)) {
            throw new IOException("the control token file " + file + " holds more than one line or non-ASCII characters;"
                    + " it should hold only the token");
        }
        return Optional.of(token);
    }

    private static String message(String body) {
        try {
            JsonNode node = JSON.readTree(body);
            JsonNode message = node == null ? null : node.get("message");
            return message == null || message.isNull() ? null : message.asText();
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    /** When the address was guessed, say where it came from, since that is usually what is wrong. */
    private static String unlessExplicit(CliArguments arguments, AgentLocation location) {
        if (arguments.url().isPresent()) {
            return "";
        }
        return location.configProblem().map(p -> " (address from defaults: " + p + "; use --url)")
                .orElse(" (use --url to choose another address)");
    }

    private static String bodyExcerpt(String body) {
        if (body == null || body.isBlank()) {
            return "";
        }
        String line = body.strip().lines().findFirst().orElse("");
        return ": " + (line.length() > 200 ? line.substring(0, 200) + "..." : line);
    }

    private static String withNewline(String body) {
        return body.endsWith("\n") ? body : body + "\n";
    }
}
