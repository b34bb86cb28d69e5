package dev.gitopsagent.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.gitopsagent.FileTrees;

/**
 * A non-bare working clone driven by the real git CLI, used to author the commits the agent later fetches.
 *
 * <p>Every git call runs with a throw-away HOME, no system or global config and fixed identities, so results do
 * not depend on the machine. Each commit stages everything first ({@code git add -A}).
 */
public final class WorkRepo implements AutoCloseable {

    public static final String AUTHOR_NAME = "Test Author";
    public static final String AUTHOR_EMAIL = "author@example.test";
    public static final String COMMITTER_NAME = "Test Committer";
    public static final String COMMITTER_EMAIL = "committer@example.test";

    private final Path workTree;
    private final String branch;
    private final Path home;
    /** GIT_COMMITTER_DATE and GIT_AUTHOR_DATE for the next commits; null: the clock. */
    private String date;

    private WorkRepo(Path workTree, String branch, Path home) {
        this.workTree = workTree;
        this.branch = branch;
        this.home = home;
    }

    /** {@code git init -b <branch> <dir>} */
    public static WorkRepo init(Path dir, String branch) {
        Path home = createHome();
        createDirectories(dir);
        CommandLine.of("git", "init", "-q", "-b", branch, dir.toString()).env(gitEnvironment(home)).runChecked();
        return new WorkRepo(dir, branch, home);
    }

    /** How many pack files the repository at {@code gitDir} holds (each fetch into it adds one until they are merged). */
    public static long packFiles(Path gitDir) {
        try (var files = Files.list(gitDir.resolve("objects/pack"))) {
            return files.filter(file -> file.toString().endsWith(".pack")).count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A bare repository with HEAD on {@code main}, e.g. under the root served by {@link GitHttpServer}. */
    public static Path initBare(Path dir) {
        return initBare(dir, "main");
    }

    /** A bare repository with HEAD on the given branch; accepts pushes over smart HTTP too. */
    public static Path initBare(Path dir, String branch) {
        Path home = createHome();
        try {
            createDirectories(dir);
            CommandLine.of("git", "init", "-q", "--bare", "-b", branch, dir.toString())
                    .env(gitEnvironment(home)).runChecked();
            CommandLine.of("git", "--git-dir", dir.toString(), "config", "http.receivepack", "true")
                    .env(gitEnvironment(home)).runChecked();
            return dir;
        } finally {
            deleteRecursively(home);
        }
    }

    public Path workTree() {
        return workTree;
    }

    public String branch() {
        return branch;
    }

    public WorkRepo writeFile(String relPath, String content) {
        Path file = workTree.resolve(relPath);
        try {
            createDirectories(file.getParent());
            Files.writeString(file, content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    public String readFile(String relPath) {
        try {
            return Files.readString(workTree.resolve(relPath));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public WorkRepo deleteFile(String relPath) {
        try {
            Files.deleteIfExists(workTree.resolve(relPath));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    /** Commits all changes (or none: empty commits are allowed) signed with an OpenPGP key; returns the sha. */
    public String commitSigned(GpgKey key, String message) {
        return commit(key, message);
    }

    /** Commits all changes (or none) signed with an SSH key (gpg.format=ssh); returns the sha. */
    public String commitSigned(SshKey key, String message) {
        return commit(key, message);
    }

    /** Commits all changes signed with whichever kind of key is given; returns the sha. */
    public String commitSigned(GitSigningKey key, String message) {
        return commit(key, message);
    }

    public String commitUnsigned(String message) {
        return commit(null, message);
    }

    /**
     * Dates the following commits (author and committer) at {@code gitDate}, e.g. {@code 2021-01-01T00:00:00Z},
     * as a signer who controls the clock would; null goes back to the real clock.
     */
    public WorkRepo dated(String gitDate) {
        this.date = gitDate;
        return this;
    }

    /**
     * Commits all changes unsigned, then rewrites that commit with the signature {@code signer} makes over its
     * raw bytes in a {@code gpgsig} header, exactly where git puts it: for signatures git cannot make (a forged
     * or deliberately weak one). Returns the sha of the signed commit, now HEAD.
     */
    public String commitWithSignature(String message, java.util.function.UnaryOperator<byte[]> signer) {
        commitUnsigned(message);
        String raw = git("cat-file", "commit", "HEAD");
        String signature = new String(signer.apply(raw.getBytes(java.nio.charset.StandardCharsets.UTF_8)),
                java.nio.charset.StandardCharsets.UTF_8).strip();
        int headersEnd = raw.indexOf("\n\n");
        String signed = raw.substring(0, headersEnd) + "\ngpgsig " + signature.replace("\n", "\n ") + raw.substring(headersEnd);
        List<String> command = List.of("git", "hash-object", "-t", "commit", "-w", "--stdin");
        String id = CommandLine.of(command).in(workTree).env(gitEnvironment(home)).stdin(signed).runChecked().stdout().trim();
        resetHard(id);
        return id;
    }

    /** {@code git merge --no-ff -S <sideBranch>} into the current branch; returns the merge commit's sha. */
    public String mergeSigned(String sideBranch, GitSigningKey key, String message) {
        List<String> args = new ArrayList<>(key.gitSigningConfig());
        args.addAll(List.of("merge", "--no-ff", "-S", "-m", message, sideBranch));
        git(args.toArray(String[]::new));
        return head();
    }

    /** {@code git merge --no-ff <sideBranch>} without a signature on the merge commit. */
    public String mergeUnsigned(String sideBranch, String message) {
        git("merge", "--no-ff", "--no-gpg-sign", "-m", message, sideBranch);
        return head();
    }

    /** Creates and checks out a new branch at HEAD. */
    public WorkRepo checkoutNewBranch(String name) {
        git("checkout", "-q", "-b", name);
        return this;
    }

    public WorkRepo checkout(String name) {
        git("checkout", "-q", name);
        return this;
    }

    /** {@code git push <bareRepo> HEAD:refs/heads/<branch>} (the branch this repo was created with). */
    public void push(Path bareRepo) {
        git("push", "-q", bareRepo.toString(), "HEAD:refs/heads/" + branch);
    }

    /** Like {@link #push} but rewrites history on the remote, e.g. to simulate a force-pushed rollback attack. */
    public void forcePush(Path bareRepo) {
        git("push", "-q", "--force", bareRepo.toString(), "HEAD:refs/heads/" + branch);
    }

    /** Pushes HEAD to another branch of the bare repo. */
    public void pushTo(Path bareRepo, String remoteBranch) {
        git("push", "-q", "--force", bareRepo.toString(), "HEAD:refs/heads/" + remoteBranch);
    }

    public void resetHard(String sha) {
        git("reset", "-q", "--hard", sha);
    }

    /** The sha of HEAD. */
    public String head() {
        return git("rev-parse", "HEAD").trim();
    }

    /** Runs git in the work tree; returns stdout, throws with stderr on a non-zero exit. */
    public String git(String... args) {
        return tryGit(args).orThrow().stdout();
    }

    /** Runs git in the work tree and returns the result whatever the exit code (e.g. for verify-commit). */
    public ProcessResult tryGit(String... args) {
        List<String> command = new ArrayList<>();
        command.add("git");
        command.addAll(List.of(args));
        CommandLine line = CommandLine.of(command).in(workTree).env(gitEnvironment(home));
        if (date != null) {
            line.env(Map.of("GIT_COMMITTER_DATE", date, "GIT_AUTHOR_DATE", date));
        }
        return line.run();
    }

    /** Removes the throw-away HOME; the work tree stays (it usually lives in a JUnit @TempDir). */
    @Override
    public void close() {
        deleteRecursively(home);
    }

    private String commit(GitSigningKey key, String message) {
        git("add", "-A");
        List<String> args = new ArrayList<>();
        if (key != null) {
            args.addAll(key.gitSigningConfig());
        }
        args.addAll(List.of("commit", "-q", "--allow-empty", key == null ? "--no-gpg-sign" : "-S", "-m", message));
        git(args.toArray(String[]::new));
        return head();
    }

    /** The environment every git call of the test infrastructure runs with. */
    static Map<String, String> gitEnvironment(Path home) {
        return Map.of(
                "HOME", home.toString(),
                "GIT_CONFIG_NOSYSTEM", "1",
                "GIT_CONFIG_GLOBAL", "/dev/null",
                "GIT_AUTHOR_NAME", AUTHOR_NAME,
                "GIT_AUTHOR_EMAIL", AUTHOR_EMAIL,
                "GIT_COMMITTER_NAME", COMMITTER_NAME,
                "GIT_COMMITTER_EMAIL", COMMITTER_EMAIL,
                "GIT_TERMINAL_PROMPT", "0",
                // gpg-agent/ssh must never find the developer's real keys
                "GNUPGHOME", home.resolve("gnupg-unused").toString());
    }

    private static Path createHome() {
        try {
            return Files.createTempDirectory("workrepo-home-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void createDirectories(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void deleteRecursively(Path root) {
        try {
            FileTrees.deleteRecursively(root);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
