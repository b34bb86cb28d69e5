package dev.gitopsagent.state;

import java.time.Instant;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** A deployment in progress, written before nixos-rebuild starts so a crash leaves a trace. */
@RegisterForReflection
public record Attempt(String commit, String action, Instant startedAt, SignatureRecord signature) {
}
