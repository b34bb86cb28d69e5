package dev.gitopsagent.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

class AwaitTest {

    @Test
    void returnsOnceTheConditionHolds() {
        AtomicInteger asked = new AtomicInteger();

        Await.until(Duration.ofSeconds(5), () -> asked.incrementAndGet() == 3);

        assertThat(asked).hasValue(3);
    }

    @Test
    void failsTheTestNamingWhatItWaitedForOncePatienceRunsOut() {
        assertThatThrownBy(() -> Await.until(Duration.ofMillis(100), "the hook's output", () -> false))
                .isInstanceOf(AssertionError.class)
                .hasMessage("the hook's output not met within PT0.1S");
    }
}
