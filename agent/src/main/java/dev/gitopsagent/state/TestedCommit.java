package dev.gitopsagent.state;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * The newest testing-branch commit this host activated, and the main commit it sat on top of. Kept
 * after the test ends, so a testing branch pushed back to an older commit is not activated again.
 */
@RegisterForReflection
public record TestedCommit(String commit, String onTopOf) {
}
