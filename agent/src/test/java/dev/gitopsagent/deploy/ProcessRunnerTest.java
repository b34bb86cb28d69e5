package dev.gitopsagent.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The output of nixos-rebuild is read by lines of bounded length, whatever the command prints. */
class ProcessRunnerTest {

    @TempDir
    Path dir;

    private ProcessRunner.Result run(String script) throws Exception {
        return new ProcessRunner(5).run(List.of("sh", "-c", script), dir, Duration.ofMinutes(2));
    }

    @Test
    void cutsAnEndlessLineWithoutANewlineToTheBound() throws Exception {
        // 20 MB on one line: kept whole, that is 40 MB of heap per copy.
        ProcessRunner.Result result = run("head -c 20000000 /dev/zero | tr '\\0' x");

        assertThat(result.succeeded()).isTrue();
        assertThat(result.outputTail()).hasSize(1);
        String line = result.outputTail().get(0);
        assertThat(line).startsWith("x".repeat(ProcessRunner.MAX_LINE_CHARS) + " [")
                .endsWith("[" + (20_000_000 - ProcessRunner.MAX_LINE_CHARS) + " more characters cut]");
    }

    @Test
    void splitsLinesLikeReadLineAndKeepsTheLastOnes() throws Exception {
        ProcessRunner.Result result = run("printf 'one\\ntwo\\r\\nthree\\rfour\\n\\nfive\\nsix\\nlast without newline'");

        assertThat(result.outputTail()).containsExactly("four", "", "five", "six", "last without newline");
    }
}
