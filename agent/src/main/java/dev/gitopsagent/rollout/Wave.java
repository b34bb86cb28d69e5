package dev.gitopsagent.rollout;

import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;

/**
 * The wave a host belongs to: configured, or derived from its host name. The derivation is a hash
 * every host computes alike (the first 8 bytes of SHA-256 of the UTF-8 host name, as an unsigned
 * number, modulo the number of waves), so a fleet spreads over the waves with no list kept anywhere
 * and a host keeps its wave across restarts and reinstalls.
 *
 * @param number  0 is the first wave
 * @param derived true when the number came from the host name, not from configuration
 */
public record Wave(int number, boolean derived) {

    public Wave {
        if (number < 0) {
            throw new IllegalArgumentException("a wave number is never negative: " + number);
        }
    }

    public static Wave of(Optional<Integer> configured, int waves, String host) {
        return configured.map(number -> new Wave(number, false)).orElseGet(() -> new Wave(derive(host, waves), true));
    }

    static int derive(String host, int waves) {
        if (waves < 1) {
            throw new IllegalArgumentException("there is at least one wave: " + waves);
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(host.getBytes(StandardCharsets.UTF_8));
            return (int) Long.remainderUnsigned(ByteBuffer.wrap(digest).getLong(), waves);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
