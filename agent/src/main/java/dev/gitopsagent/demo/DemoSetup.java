package dev.gitopsagent.demo;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import dev.gitopsagent.FileTrees;
import dev.gitopsagent.deploy.ShellLine;

/**
 * Demo mode: a signed sample fleet repository on this machine, so the whole loop (poll, verify,
 * "deploy") can be watched without NixOS. It plays the operator's side with the real git CLI and a
 * freshly generated SSH signing key that the agent is then told to trust; the agent runs with
 * action dry-run, so nothing is built or activated.
 */
public final class DemoSetup {

    private static final String TEMPLATE = "config-repo-template";
    private static final String SIGNER = "demo@gitops-agent.invalid";

    private final Path root;

    public DemoSetup(Path root) {
        this.root = root.toAbsolutePath();
    }

    public Path root() {
        return root;
    }

    public Path work() {
        return root.resolve("work");
    }

    public Path remote() {
        return root.resolve("remote.git");
    }

    /** Creates the sample repository on first use; later runs continue where the last one stopped. */
    public Map<String, String> prepare() throws IOException, InterruptedException {
        Path key = root.resolve("keys/signing-key");
        Path allowedSigners = root.resolve("keys/allowed_signers");
        Path ready = root.resolve(".ready");
        if (!Files.exists(ready)) {
            // A half-made demo (interrupted setup) is thrown away rather than patched up.
            FileTrees.deleteRecursively(root);
            Files.createDirectories(key.getParent());
            run(root, "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", SIGNER, "-f", key.toString());
            String publicKey = Files.readString(key.resolveSibling("signing-key.pub")).strip();
            Files.writeString(allowedSigners, SIGNER + " namespaces=\"git\" " + publicKey + "\n");
            run(root, "git", "init", "-q", "--bare", "-b", "main", remote().toString());
            run(root, "git", "init", "-q", "-b", "main", work().toString());
            copyTemplate(work());
            git("config", "user.name", "Demo Operator");
            git("config", "user.email", SIGNER);
            git("config", "gpg.format", "ssh");
            git("config", "user.signingkey", key.toString());
            git("config", "commit.gpgsign", "true");
            git("config", "gpg.ssh.allowedSignersFile", allowedSigners.toString());
            git("remote", "add", "origin", remote().toString());
            git("add", "-A");
            git("commit", "-q", "-m", "Initial fleet configuration");
            git("push", "-q", "origin", "main");
            Files.createFile(ready);
        }
        return Map.of(
                "gitops.repository.url", "file://" + remote(),
                "gitops.trust.allowed-signers", allowedSigners.toString(),
                "gitops.deploy.action", "dry-run",
                "gitops.state-dir", root.resolve("state").toString(),
                "gitops.host", firstHost(),
                "gitops.poll.interval", "5s",
                "gitops.poll.jitter", "1s",
                "gitops.deploy.system-profile", root.resolve("profiles/system").toString(),
                "gitops.deploy.current-system", root.resolve("current-system").toString());
    }

    private String firstHost() throws IOException {
        try (Stream<Path> hosts = Files.list(work().resolve("hosts"))) {
            return hosts.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().findFirst()
                    .orElseThrow(() -> new IOException("the sample repository has no host under hosts/"));
        }
    }

    /** The template ships inside the agent, so the demo works from the jar or the native executable alone. */
    private static void copyTemplate(Path target) throws IOException {
        URL url = DemoSetup.class.getClassLoader().getResource(TEMPLATE);
        if (url == null) {
            throw new IOException(TEMPLATE + " is missing from the agent's resources");
        }
        try {
            URI uri = url.toURI();
            switch (uri.getScheme()) {
                case "file" -> copyTree(Path.of(uri), target);
                // Inside the jar, or inside a native image, whose resources form the "resource:" file system.
                case "jar", "resource" -> {
                    URI root = "jar".equals(uri.getScheme()) ? uri : new URI("resource", "/", null);
                    try (FileSystem resources = FileSystems.newFileSystem(root, Map.of())) {
                        copyTree(resources.getPath("/" + TEMPLATE), target);
                    }
                }
                default -> throw new IOException(TEMPLATE + " is at " + uri + ", which the demo cannot read");
            }
        } catch (URISyntaxException e) {
            throw new IOException(e);
        }
    }

    private static void copyTree(Path source, Path target) throws IOException {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(source)) {
            files = walk.filter(Files::isRegularFile).toList();
        }
        for (Path file : files) {
            Path destination = target.resolve(source.relativize(file).toString());
            Files.createDirectories(destination.getParent());
            try (InputStream in = Files.newInputStream(file)) {
                Files.copy(in, destination);
            }
        }
    }

    private void git(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("git", "-C", work().toString()));
        command.addAll(List.of(args));
        run(root, command.toArray(String[]::new));
    }

    private static void run(Path dir, String... command) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (process.waitFor() != 0) {
            throw new IOException(ShellLine.of(List.of(command)) + " failed: " + output.strip());
        }
    }

    /** What the person running the demo reads first. */
    public String instructions(String statusUrl) {
        return String.join("\n",
                "",
                "gitops-agent demo: a signed sample fleet repository at " + remote(),
                "  work tree (commits there are signed by the key the agent trusts): " + work(),
                "  status: curl -s " + statusUrl + " | jq",
                "  deploy a signed commit:   cd " + work() + " && echo '# change' >> flake.nix && git commit -am 'signed change' && git push origin main",
                "  try an unsigned commit:   cd " + work() + " && echo '# change' >> flake.nix && git -c commit.gpgsign=false commit -am 'unsigned' && git push origin main",
                "");
    }
}
