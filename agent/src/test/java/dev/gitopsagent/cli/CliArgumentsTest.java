package dev.gitopsagent.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;

class CliArgumentsTest {

    @Test
    void aBareCommandHasNoOptions() throws Exception {
        CliArguments args = CliArguments.parse("status");

        assertThat(args.command()).isEqualTo(Command.STATUS);
        assertThat(args.json()).isFalse();
        assertThat(args.url()).isEmpty();
        assertThat(args.tokenFile()).isEmpty();
        assertThat(args.reason()).isEmpty();
        assertThat(args.resumeOnNewCommit()).isFalse();
    }

    @Test
    void optionsComeInAnyOrderWithSeparateOrInlineValues() throws Exception {
        CliArguments args = CliArguments.parse("suspend", "--reason", "disk full", "--url=http://10.0.0.1:9420",
                "--json", "--token-file", "/run/token");

        assertThat(args.command()).isEqualTo(Command.SUSPEND);
        assertThat(args.reason()).contains("disk full");
        assertThat(args.url()).contains("http://10.0.0.1:9420");
        assertThat(args.tokenFile()).contains(Path.of("/run/token"));
        assertThat(args.json()).isTrue();
    }

    @Test
    void rollbackCanResumeOnTheNextCommit() throws Exception {
        assertThat(CliArguments.parse("rollback", "--resume-on-new-commit").resumeOnNewCommit()).isTrue();
        assertThat(CliArguments.parse("rollback").resumeOnNewCommit()).isFalse();
    }

    @Test
    void helpIsACommandAnOptionAndAFlagOnAnyCommand() throws Exception {
        assertThat(CliArguments.parse("help").command()).isEqualTo(Command.HELP);
        assertThat(CliArguments.parse("--help").command()).isEqualTo(Command.HELP);
        assertThat(CliArguments.parse("rollback", "--help").command()).isEqualTo(Command.HELP);
    }

    @Test
    void anUnknownCommandIsAUsageError() {
        assertThatThrownBy(() -> CliArguments.parse("deploy")).isInstanceOf(UsageException.class)
                .hasMessageContaining("unknown command 'deploy'");
    }

    @Test
    void noCommandIsAUsageError() {
        assertThatThrownBy(CliArguments::parse).isInstanceOf(UsageException.class).hasMessageContaining("no command");
    }

    @Test
    void anOptionAnotherCommandTakesIsRejectedRatherThanIgnored() {
        assertThatThrownBy(() -> CliArguments.parse("status", "--reason", "x")).isInstanceOf(UsageException.class)
                .hasMessageContaining("status does not take the option --reason");
        assertThatThrownBy(() -> CliArguments.parse("suspend", "--resume-on-new-commit")).isInstanceOf(UsageException.class)
                .hasMessageContaining("--resume-on-new-commit");
    }

    @Test
    void anUnknownOptionIsAUsageError() {
        assertThatThrownBy(() -> CliArguments.parse("trigger", "--force")).isInstanceOf(UsageException.class)
                .hasMessageContaining("--force");
    }

    @Test
    void aStrayArgumentIsAUsageError() {
        assertThatThrownBy(() -> CliArguments.parse("suspend", "maintenance")).isInstanceOf(UsageException.class)
                .hasMessageContaining("takes no argument 'maintenance'");
    }

    @Test
    void anOptionAtTheEndWithoutItsValueIsAUsageError() {
        assertThatThrownBy(() -> CliArguments.parse("status", "--url")).isInstanceOf(UsageException.class)
                .hasMessageContaining("--url needs a value");
    }

    @Test
    void anEmptyUrlOrTokenFileIsAUsageError() {
        assertThatThrownBy(() -> CliArguments.parse("status", "--url=")).isInstanceOf(UsageException.class);
        assertThatThrownBy(() -> CliArguments.parse("trigger", "--token-file", "")).isInstanceOf(UsageException.class);
    }

    @Test
    void aFlagGivenAValueIsAUsageError() {
        assertThatThrownBy(() -> CliArguments.parse("status", "--json=yes")).isInstanceOf(UsageException.class)
                .hasMessageContaining("--json takes no value");
    }
}
