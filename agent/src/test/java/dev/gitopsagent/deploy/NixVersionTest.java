package dev.gitopsagent.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Which Nix the host runs decides whether a first sync may leave the clone shallow. */
class NixVersionTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "nix (Nix) 2.8.0                 | false",
            "nix (Nix) 2.18.8                | false",
            "nix (Nix) 2.25.5                | false",
            "nix (Nix) 2.26.3                | true",
            "nix (Nix) 2.28.4                | true",
            "nix (Nix) 3.0.0                 | true",
    })
    void readsShallowClonesFromNix226On(String output, boolean reads) {
        assertThat(NixVersion.parse(output).orElseThrow().readsShallowClones()).isEqualTo(reads);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "nix (Lix, like Nix) 2.91.1",
            "command not found",
            "''",
    })
    void isUnknownForAnythingButNix(String output) {
        assertThat(NixVersion.parse(output)).isEqualTo(Optional.empty());
    }
}
