package dev.gitopsagent.verify;

import java.time.Duration;

/**
 * How strictly a path is verified.
 *
 * @param maxClockSkew how far a committer date or signature time may lie ahead of the host clock
 */
public record TrustSettings(VerifyScope scope, SignerPolicy policy, Duration maxClockSkew) {

    public static TrustSettings defaults() {
        return new TrustSettings(VerifyScope.ALL, SignerPolicy.HOST, Duration.ofMinutes(5));
    }
}
