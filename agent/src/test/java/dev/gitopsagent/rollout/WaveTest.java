package dev.gitopsagent.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.gitopsagent.testing.CommandLine;

/** A host's wave: configured, or the documented hash of its host name, which anyone can recompute. */
class WaveTest {

    @ParameterizedTest(name = "{0} over {1} waves")
    @CsvSource({"web1, 3", "web2, 3", "db1, 3", "mail.example.org, 5", "web1, 1", "x, 1000"})
    void derivedWaveIsTheFirstEightBytesOfTheSha256OfTheHostNameModuloTheWaves(String host, int waves) {
        String hex = CommandLine.of("sh", "-c", "printf %s \"$1\" | sha256sum", "sh", host).run().orThrow().stdout().substring(0, 16);
        int expected = (int) Long.remainderUnsigned(Long.parseUnsignedLong(hex, 16), waves);

        Wave wave = Wave.of(Optional.empty(), waves, host);

        assertThat(wave).isEqualTo(new Wave(expected, true));
        assertThat(wave.number()).isBetween(0, waves - 1);
    }

    @ParameterizedTest(name = "configured wave {0}")
    @CsvSource({"0", "2", "7"})
    void configuredWaveWinsOverTheHostName(int configured) {
        assertThat(Wave.of(Optional.of(configured), 3, "web1")).isEqualTo(new Wave(configured, false));
    }

    @ParameterizedTest(name = "wave {0}")
    @CsvSource({"0, 2030-01-07T10:00:00Z", "1, 2030-01-07T11:30:00Z", "3, 2030-01-07T14:30:00Z"})
    void waveKActivatesKSoakTimesAfterTheCommitterDate(int wave, Instant expected) {
        RolloutPlan plan = new RolloutPlan(new Wave(wave, false), 4, Duration.ofMinutes(90));

        assertThat(plan.activationTime(Instant.parse("2030-01-07T10:00:00Z"))).isEqualTo(expected);
    }
}
