package dev.gitopsagent.verify;

import java.util.List;
import java.util.Optional;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * Who may sign the children of a commit, for status: the host's configured keys, or the commit's
 * in-repository policy and the commit that last changed it.
 *
 * @param source "host configuration" or "repository policy (trust/)"
 * @param changedIn the newest first-parent ancestor (or the commit itself) that changed the policy
 */
@RegisterForReflection
public record SignersInForce(String source, List<String> signers, Optional<String> changedIn) {
}
