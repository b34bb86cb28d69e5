package dev.gitopsagent.state;

import java.time.Instant;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * A deployment in progress, written before nixos-rebuild starts so a crash leaves a trace.
 *
 * @param observedHeads the remote heads it was decided on, so a restart that finds it failed can record that decision
 */
@RegisterForReflection
public record Attempt(String commit, String action, Instant startedAt, SignatureRecord signature, String observedHeads) {
}
