package dev.gitopsagent.state;

import java.time.Instant;

/** A deployment in progress, written before nixos-rebuild starts so a crash leaves a trace. */
public record Attempt(String commit, String action, Instant startedAt, SignatureRecord signature) {
}
