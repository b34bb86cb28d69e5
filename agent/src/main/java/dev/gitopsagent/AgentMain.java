package dev.gitopsagent;

import java.nio.file.Path;
import java.util.Map;

import dev.gitopsagent.cli.Cli;
import dev.gitopsagent.demo.DemoSetup;
import dev.gitopsagent.verify.JcaProviders;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;

/**
 * {@code gitops-agent} runs the agent; {@code gitops-agent demo [dir]} runs it against a local signed
 * sample repository; {@code gitops-agent status|trigger|...} talks to a running agent.
 */
@QuarkusMain
public final class AgentMain {

    private static final String KEEP_ALIVE_SECONDS = "http.keepAlive.time.server";

    private AgentMain() {
    }

    public static void main(String... args) throws Exception {
        if (args.length > 0 && !args[0].equals("demo")) {
            // Before Quarkus.run: the CLI must not start the agent's beans, bind its port or touch its state.
            // Every other first word goes to the CLI too, so a mistyped command is a usage error rather than
            // a second agent starting against the host's configuration.
            System.exit(Cli.main(args));
        } else if (args.length > 0) {
            Path dir = args.length > 1 ? Path.of(args[1]) : Path.of(System.getProperty("java.io.tmpdir"), "gitops-agent-demo");
            DemoSetup demo = new DemoSetup(dir);
            Map<String, String> settings = demo.prepare();
            settings.forEach((key, value) -> {
                if (System.getProperty(key) == null) {
                    System.setProperty(key, value);
                }
            });
            String port = System.getProperty("gitops.http.port", "9420");
            System.out.println(demo.instructions("http://127.0.0.1:" + port + "/status"));
        }
        keepIdleGitConnectionsOpen();
        JcaProviders.registerSshProviders();
        Quarkus.run(args);
    }

    /**
     * The JDK keeps an idle HTTP connection for 5 s unless told otherwise, so every poll at the default 60 s
     * interval opened a new one: a TCP handshake (and over HTTPS a TLS one) for the server at each poll, and
     * 0.3 to 0.5 ms more of the server's CPU per poll against nginx and {@code git http-backend} here. Kept for
     * 2 minutes, a connection serves the next poll wherever the server keeps it that long (nginx by default: 75 s);
     * one the server closed sooner is replaced then. Set before any connection is made: the JDK reads it once. An
     * operator's own setting wins. The native executable's builder has read it before this runs, so it is set for the
     * build there (native-image.properties).
     */
    private static void keepIdleGitConnectionsOpen() {
        if (System.getProperty(KEEP_ALIVE_SECONDS) == null) {
            System.setProperty(KEEP_ALIVE_SECONDS, "120");
        }
    }
}
