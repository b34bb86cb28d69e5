package dev.gitopsagent.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.gitopsagent.testing.CommandLine;
import dev.gitopsagent.testing.GitSigningKey;
import dev.gitopsagent.testing.GpgKey;
import dev.gitopsagent.testing.SshKey;

/**
 * A bare repository whose main branch is an unsigned root followed by a chain of commits signed by
 * the real git CLI ({@code git commit-tree -S}), with the public half of the key in the form the
 * agent is configured with. Cached between runs with its keys: signing a thousand commits takes a while.
 */
record SignedHistory(Path repository, String root, String head, Path commitList, Path openPgpKeys, Path allowedSigners, Path gnupgHome) {

    /** Commits per batch: each batch is one shell run, well inside CommandLine's timeout. */
    private static final int BATCH = 200;

    private static final String SIGN_BATCH = """
            tree=$(git mktree </dev/null)
            parent=$(cat "$BENCH_TIP")
            for i in $(seq "$BENCH_FROM" "$BENCH_TO"); do
              parent=$(git "$@" commit-tree -S "$tree" -p "$parent" -m "change $i") || exit 1
            done
            echo "$parent" > "$BENCH_TIP"
            """;

    static SignedHistory openPgp(Path cache, int commits, Map<String, String> git) throws IOException {
        Path dir = cache.resolve("signed-openpgp-" + commits);
        Path gnupg = dir.resolve("gnupg");
        if (!Files.exists(dir.resolve("complete"))) {
            WorkDirs.fresh(dir);
            try (GpgKey key = GpgKey.generate(gnupg, "Bench Signer", "bench@example.test")) {
                key.exportPublic(dir.resolve("signer.asc"));
                create(dir, key, commits, git);
            }
        }
        return load(dir, dir.resolve("signer.asc"), null, gnupg);
    }

    static SignedHistory ssh(Path cache, int commits, Map<String, String> git) throws IOException {
        Path dir = cache.resolve("signed-ssh-" + commits);
        if (!Files.exists(dir.resolve("complete"))) {
            WorkDirs.fresh(dir);
            SshKey key = SshKey.generate(dir.resolve("key"), "bench@example.test");
            SshKey.writeAllowedSigners(dir.resolve("allowed_signers"), key.allowedSignersLine("bench@example.test"));
            create(dir, key, commits, git);
        }
        return load(dir, null, dir.resolve("allowed_signers"), null);
    }

    private static void create(Path dir, GitSigningKey key, int commits, Map<String, String> git) throws IOException {
        Path repo = dir.resolve("repo.git");
        CommandLine.of("git", "init", "-q", "--bare", "-b", "main", repo.toString()).env(git).runChecked();
        String root = CommandLine.of("bash", "-c", "git commit-tree $(git mktree </dev/null) -m root").in(repo).env(git)
                .runChecked().stdout().trim();
        Files.writeString(dir.resolve("root"), root);
        Path tip = Files.writeString(dir.resolve("tip"), root);
        for (int from = 1; from <= commits; from += BATCH) {
            List<String> command = new ArrayList<>(List.of("bash", "-c", SIGN_BATCH, "bash"));
            command.addAll(key.gitSigningConfig());
            CommandLine.of(command).in(repo).env(git)
                    .env(Map.of("BENCH_TIP", tip.toString(), "BENCH_FROM", String.valueOf(from),
                            "BENCH_TO", String.valueOf(Math.min(commits, from + BATCH - 1))))
                    .runChecked();
        }
        String head = Files.readString(tip).trim();
        CommandLine.of("git", "update-ref", "refs/heads/main", head).in(repo).env(git).runChecked();
        String list = CommandLine.of("git", "rev-list", "--reverse", "--first-parent", root + ".." + head).in(repo).env(git)
                .runChecked().stdout();
        Files.writeString(dir.resolve("commits.txt"), list);
        Files.writeString(dir.resolve("complete"), "");
    }

    private static SignedHistory load(Path dir, Path openPgpKeys, Path allowedSigners, Path gnupgHome) throws IOException {
        Path list = dir.resolve("commits.txt");
        List<String> commits = Files.readAllLines(list);
        return new SignedHistory(dir.resolve("repo.git"), Files.readString(dir.resolve("root")).trim(), commits.get(commits.size() - 1),
                list, openPgpKeys, allowedSigners, gnupgHome);
    }

    int size() {
        try {
            return Files.readAllLines(commitList).size();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
