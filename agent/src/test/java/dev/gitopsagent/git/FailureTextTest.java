package dev.gitopsagent.git;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ConnectException;

import org.eclipse.jgit.errors.TransportException;
import org.eclipse.jgit.transport.URIish;
import org.junit.jupiter.api.Test;

/** What a failed poll or fetch says: JGit's generic wrapper message, then what really went wrong. */
class FailureTextTest {

    private static final URIish REMOTE = uri("ssh://git@forge.example.test/fleet.git");

    @Test
    void namesTheCauseJGitHidesBehindRemoteHungUp() {
        TransportException failure = new TransportException(REMOTE, "remote hung up unexpectedly",
                new IOException("no such provider: EdDSA"));

        assertThat(FailureText.of(failure))
                .isEqualTo("ssh://git@forge.example.test/fleet.git: remote hung up unexpectedly: no such provider: EdDSA");
    }

    @Test
    void saysARepeatedMessageOnce() {
        ConnectException refused = new ConnectException("Connection refused");
        TransportException failure = new TransportException(REMOTE, refused.getMessage(), refused);

        assertThat(FailureText.of(failure)).isEqualTo("ssh://git@forge.example.test/fleet.git: Connection refused");
    }

    @Test
    void namesTheTypeOfACauseWithoutAMessage() {
        IOException failure = new IOException("fetch failed", new NullPointerException());

        assertThat(FailureText.of(failure)).isEqualTo("fetch failed: NullPointerException");
    }

    @Test
    void stopsAfterAFewCauses() {
        Throwable failure = new IOException("level 6");
        for (int level = 5; level >= 0; level--) {
            failure = new IOException("level " + level, failure);
        }

        assertThat(FailureText.of(failure)).isEqualTo("level 0: level 1: level 2: level 3: level 4");
    }

    private static URIish uri(String text) {
        try {
            return new URIish(text);
        } catch (java.net.URISyntaxException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
