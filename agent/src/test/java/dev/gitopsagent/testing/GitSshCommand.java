package dev.gitopsagent.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.sshd.server.Environment;
import org.apache.sshd.server.ExitCallback;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.command.Command;

/**
 * One SSH exec request served by the real git: {@code git-upload-pack '/repo'} (or {@code git upload-pack},
 * receive-pack, upload-archive) with the path confined to the repositories root.
 */
final class GitSshCommand implements Command {

    private static final Pattern GIT_COMMAND =
            Pattern.compile("git[- ](upload-pack|receive-pack|upload-archive) +(.+)");

    private final List<String> command;
    private final Path gitHome;
    private final ExecutorService pumps;
    private final String refusal;
    private final AtomicInteger protocolV2CommandCount;
    private InputStream in;
    private OutputStream out;
    private OutputStream err;
    private ExitCallback exitCallback;
    private Process process;

    private GitSshCommand(List<String> command, Path gitHome, ExecutorService pumps, String refusal,
            AtomicInteger protocolV2CommandCount) {
        this.protocolV2CommandCount = protocolV2CommandCount;
        this.command = command;
        this.gitHome = gitHome;
        this.pumps = pumps;
        this.refusal = refusal;
    }

    static GitSshCommand parse(String commandLine, Path reposRoot, Path gitHome, ExecutorService pumps,
            AtomicInteger protocolV2CommandCount) {
        Matcher matcher = GIT_COMMAND.matcher(commandLine.trim());
        if (!matcher.matches()) {
            return refused("unsupported command: " + commandLine, gitHome, pumps, protocolV2CommandCount);
        }
        String requested = unquote(matcher.group(2).trim());
        Path repo = resolveRepository(reposRoot, requested);
        if (repo == null) {
            return refused("'" + requested + "' does not appear to be a git repository", gitHome, pumps,
                    protocolV2CommandCount);
        }
        return new GitSshCommand(List.of("git", matcher.group(1), repo.toString()), gitHome, pumps, null,
                protocolV2CommandCount);
    }

    private static GitSshCommand refused(String message, Path gitHome, ExecutorService pumps,
            AtomicInteger protocolV2CommandCount) {
        return new GitSshCommand(List.of(), gitHome, pumps, "fatal: " + message + "\n", protocolV2CommandCount);
    }

    /** Undoes the shell quoting clients apply: {@code '/a'\''b'} becomes {@code /a'b}. */
    static String unquote(String argument) {
        StringBuilder result = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < argument.length(); i++) {
            char c = argument.charAt(i);
            if (c == '\'') {
                quoted = !quoted;
            } else if (c == '\\' && !quoted && i + 1 < argument.length()) {
                result.append(argument.charAt(++i));
            } else {
                result.append(c);
            }
        }
        return result.toString();
    }

    /** The repository under the root, also trying {@code <name>.git}; null if missing or escaping the root. */
    private static Path resolveRepository(Path reposRoot, String requested) {
        String relative = requested.replaceFirst("^~?/+", "");
        for (String candidate : List.of(relative, relative + ".git")) {
            Path repo = reposRoot.resolve(candidate).normalize();
            if (repo.startsWith(reposRoot) && !repo.equals(reposRoot) && Files.isDirectory(repo)) {
                return repo;
            }
        }
        return null;
    }

    @Override
    public void setInputStream(InputStream in) {
        this.in = in;
    }

    @Override
    public void setOutputStream(OutputStream out) {
        this.out = out;
    }

    @Override
    public void setErrorStream(OutputStream err) {
        this.err = err;
    }

    @Override
    public void setExitCallback(ExitCallback callback) {
        this.exitCallback = callback;
    }

    @Override
    public void start(ChannelSession channel, Environment env) throws IOException {
        if (refusal != null) {
            err.write(refusal.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            err.flush();
            exitCallback.onExit(128, refusal.trim());
            return;
        }
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().clear();
        Map<String, String> processEnv = new HashMap<>(WorkRepo.gitEnvironment(gitHome));
        processEnv.put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
        String protocol = env.getEnv().get("GIT_PROTOCOL");
        if (protocol != null) {
            processEnv.put("GIT_PROTOCOL", protocol); // protocol v2 is requested through the SSH env request
            if (protocol.contains("version=2")) {
                protocolV2CommandCount.incrementAndGet();
            }
        }
        builder.environment().putAll(processEnv);
        process = builder.start();
        CompletableFuture.runAsync(() -> pump(in, process.getOutputStream(), true), pumps);
        CompletableFuture<Void> stdout = CompletableFuture.runAsync(() -> pump(process.getInputStream(), out, false), pumps);
        CompletableFuture<Void> stderr = CompletableFuture.runAsync(() -> pump(process.getErrorStream(), err, false), pumps);
        // Report the exit status only after all output reached the client, or the tail of the pack is lost.
        CompletableFuture.allOf(stdout, stderr).thenRunAsync(() -> {
            try {
                exitCallback.onExit(process.waitFor());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                exitCallback.onExit(255);
            }
        }, pumps);
    }

    @Override
    public void destroy(ChannelSession channel) {
        if (process != null) {
            process.destroyForcibly();
        }
    }

    private static void pump(InputStream from, OutputStream to, boolean closeTarget) {
        byte[] buffer = new byte[32 * 1024];
        try {
            int n;
            while ((n = from.read(buffer)) != -1) {
                to.write(buffer, 0, n);
                to.flush();
            }
        } catch (IOException ignored) {
            // the other side went away; the process exit (or destroy) ends the exchange
        } finally {
            if (closeTarget) {
                try {
                    to.close();
                } catch (IOException ignored) {
                    // nothing more to tell the process
                }
            }
        }
    }
}
