package dev.gitopsagent.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateStoreTest {

    private static final String FIRST = "1111111111111111111111111111111111111111";
    private static final String SECOND = "2222222222222222222222222222222222222222";

    @TempDir
    Path stateDir;

    @Test
    void readsBackWhatItWrote() throws IOException {
        new StateStore(stateDir).update(state -> state.withDeployed(FIRST, Instant.parse("2026-11-28T03:00:00Z"), null));

        StateStore reopened = new StateStore(stateDir);

        assertThat(reopened.current().deployed()).contains(FIRST);
        assertThat(reopened.current().deployedAt()).isEqualTo(Instant.parse("2026-11-28T03:00:00Z"));
    }

    @Test
    void leavesTheStateFileAsItWasWhenTheAgentStopsMidWrite() throws IOException {
        StateStore store = new StateStore(stateDir);
        store.update(state -> state.withDeployed(FIRST, Instant.EPOCH, null));
        byte[] before = Files.readAllBytes(stateDir.resolve("state.json"));

        Thread.currentThread().interrupt();
        try {
            assertThatThrownBy(() -> store.update(state -> state.withDeployed(SECOND, Instant.EPOCH, null)))
                    .isInstanceOf(IOException.class)
                    .hasMessage("cannot write state file " + stateDir.resolve("state.json.tmp") + " (interrupted: the agent is stopping); "
                            + stateDir.resolve("state.json") + " is as it was");
        } finally {
            Thread.interrupted();
        }

        assertThat(stateDir.resolve("state.json")).hasBinaryContent(before);
        assertThat(stateDir.resolve("state.json.tmp")).doesNotExist();
        assertThat(store.current().deployed()).contains(FIRST);
        assertThat(new StateStore(stateDir).current().deployed()).contains(FIRST);
    }

    @Test
    void refusesAStateFileItCannotReadNamingItAndTheWayOut() throws IOException {
        Files.writeString(stateDir.resolve("state.json"), "{\"deployedCommit\": ");

        assertThatThrownBy(() -> new StateStore(stateDir))
                .isInstanceOf(IOException.class)
                .hasMessageStartingWith("state file " + stateDir.resolve("state.json") + " cannot be read (")
                .hasMessageEndingWith("move it aside to start over: the agent then re-reads the deployed commit from the running system");
    }
}
