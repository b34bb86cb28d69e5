package dev.gitopsagent.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ShellLineTest {

    static Stream<List<String>> commands() {
        return Stream.of(
                List.of("nixos-rebuild", "build", "--flake",
                        "git+file:///var/lib/gitops-agent/repo.git?ref=refs/heads/main&rev=0178f9ae76b83160a46cbd03b9ca98a56f628f12&shallow=1#web-1",
                        "--no-update-lock-file"),
                List.of("nix", "--option", "substituters", "https://cache.example https://other.example"),
                List.of("echo", "it's", "a \"quoted\" word", "semi;colon", "back\\slash", "tab\there", "*", "~", "(", "!", ""),
                List.of("/nix/store/abc-nixos-system/bin/switch-to-configuration", "switch"));
    }

    @ParameterizedTest
    @MethodSource("commands")
    void aPastedLineGivesTheShellExactlyTheCommandsWords(List<String> words) throws Exception {
        // printf prints each word the shell passes it on a line of its own, bracketed to show empty words.
        String script = "printf '[%s]\\n' " + ShellLine.of(words.subList(1, words.size()));
        assertThat(sh(script)).isEqualTo(words.subList(1, words.size()).stream().map(w -> "[" + w + "]\n").reduce("", String::concat));
    }

    @ParameterizedTest
    @MethodSource("commands")
    void plainWordsStayUnquoted(List<String> words) {
        assertThat(ShellLine.of(words)).startsWith(words.get(0) + " ");
    }

    @org.junit.jupiter.api.Test
    void theDryRunToplevelPlaceholderStillExpands() throws Exception {
        String line = ShellLine.of(List.of("$toplevel/bin/switch-to-configuration", "switch"));
        assertThat(line).isEqualTo("$toplevel/bin/switch-to-configuration switch");
        assertThat(sh("toplevel=/nix/store/x; printf '%s\\n' " + line)).isEqualTo("/nix/store/x/bin/switch-to-configuration\nswitch\n");
    }

    private static String sh(String script) throws IOException, InterruptedException {
        Process process = new ProcessBuilder("sh", "-c", script).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor()).as(output).isZero();
        return output;
    }
}
