package dev.gitopsagent.verify;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * The dates a commit on the path may carry. Committer dates and signature creation times are
 * chosen by the signer, so expiry judged at them is only as good as these bounds: nothing before
 * the deployed (baseline) commit's committer date, nothing later than the host clock plus a skew.
 *
 * @param earliest the baseline commit's committer date; empty when there is no baseline
 * @param now the host clock when the path is verified
 * @param skew how far a date may lie ahead of {@code now} (clocks differ)
 */
record TimeWindow(Optional<Instant> earliest, Instant now, Duration skew) {

    Instant latest() {
        return now.plus(skew);
    }

    boolean isBeforeEarliest(Instant instant, Duration tolerance) {
        return earliest.isPresent() && instant.isBefore(earliest.get().minus(tolerance));
    }

    boolean isAfterLatest(Instant instant) {
        return instant.isAfter(latest());
    }
}
