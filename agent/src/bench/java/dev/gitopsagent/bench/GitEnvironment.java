package dev.gitopsagent.bench;

import java.nio.file.Path;
import java.util.Map;

/** The environment the git CLI runs with in benchmarks: no user or system config, fixed identities. */
public final class GitEnvironment {

    private GitEnvironment() {
    }

    public static Map<String, String> withHome(Path home) {
        return Map.of(
                "HOME", home.toString(),
                "GIT_CONFIG_NOSYSTEM", "1",
                "GIT_CONFIG_GLOBAL", "/dev/null",
                "GIT_AUTHOR_NAME", "Bench Author",
                "GIT_AUTHOR_EMAIL", "author@example.test",
                "GIT_COMMITTER_NAME", "Bench Committer",
                "GIT_COMMITTER_EMAIL", "committer@example.test",
                "GIT_TERMINAL_PROMPT", "0");
    }
}
