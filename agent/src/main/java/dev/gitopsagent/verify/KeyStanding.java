package dev.gitopsagent.verify;

import java.time.Instant;
import java.util.Optional;

import dev.gitopsagent.verify.Verdict.Reason;

/**
 * What an OpenPGP key's own certificate says about it signing commits, judged once when the key is
 * loaded: either it may sign (until an optional expiry), or it may not, and why.
 */
sealed interface KeyStanding {

    /** The key may sign: bound, flagged for signing, cross-certified if a subkey, not revoked. */
    record MaySign(Optional<Instant> expiresAt) implements KeyStanding {
    }

    /** The key may never sign; {@code detail} names which key and what is wrong. */
    record MayNotSign(Reason reason, String detail) implements KeyStanding {
    }
}
