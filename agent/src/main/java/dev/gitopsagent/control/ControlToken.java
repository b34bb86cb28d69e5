package dev.gitopsagent.control;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;

/** The bearer token that unlocks mutating endpoints; with none configured, they stay locked. */
public final class ControlToken {

    private final Optional<byte[]> token;

    public ControlToken(Optional<String> token) {
        this.token = token.map(value -> value.getBytes(StandardCharsets.UTF_8));
    }

    public boolean isConfigured() {
        return token.isPresent();
    }

    /** Constant-time, so response timing does not reveal how much of a guess was right. */
    public boolean accepts(String authorizationHeader) {
        if (token.isEmpty() || authorizationHeader == null || !authorizationHeader.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        byte[] offered = authorizationHeader.substring(7).strip().getBytes(StandardCharsets.UTF_8);
        return MessageDigest.isEqual(offered, token.get());
    }
}
