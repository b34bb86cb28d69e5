package dev.gitopsagent.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** The flake reference handed to nixos-rebuild: which clone, which branch, which exact commit, which host. */
class FlakeRefTest {

    private static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";

    @Test
    void namesTheBranchAndTheExactCommit() {
        FlakeRef flake = new FlakeRef(Path.of("/var/lib/gitops-agent/repo.git"), "main", COMMIT, "web1", false);

        assertThat(flake.url()).isEqualTo("git+file:///var/lib/gitops-agent/repo.git?ref=refs/heads/main&rev=" + COMMIT);
        assertThat(flake).hasToString(flake.url() + "#web1");
    }

    @Test
    void tellsNixWhenTheCloneIsShallow() {
        FlakeRef flake = new FlakeRef(Path.of("/var/lib/gitops-agent/repo.git"), "main", COMMIT, "web1", true);

        assertThat(flake.url()).isEqualTo("git+file:///var/lib/gitops-agent/repo.git?ref=refs/heads/main&rev=" + COMMIT + "&shallow=1");
    }

    @ParameterizedTest
    @CsvSource({
            "testing-web1, refs/heads/testing-web1",
            "release/2026, refs/heads/release/2026",
            "a+b&c, refs/heads/a%2Bb%26c",
    })
    void encodesWhatAUrlQueryCannotHoldAsIs(String branch, String ref) {
        assertThat(new FlakeRef(Path.of("/state/repo.git"), branch, COMMIT, "h", false).url()).contains("?ref=" + ref + "&rev=");
    }

    @ParameterizedTest
    @CsvSource({ "main, abc123", "main, 0123456789ABCDEF0123456789ABCDEF01234567", "'..', " + COMMIT, "'a b', " + COMMIT })
    void refusesWhatIsNotABranchAndAFullCommitId(String branch, String commit) {
        assertThatThrownBy(() -> new FlakeRef(Path.of("/state/repo.git"), branch, commit, "h", false)).isInstanceOf(IllegalArgumentException.class);
    }
}
