package dev.gitopsagent.state;

import java.time.Instant;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * An operator's one-time exception to the rollout rules, used up by the next activation: deploy
 * now (neither the wave's soak time nor the maintenance window holds it back), or skip the window
 * once (the wave still applies). A signed halt is never overridden: it is the repository's word.
 */
@RegisterForReflection(ignoreNested = false)
public record OperatorOverride(Kind kind, Instant at) {

    public enum Kind {
        DEPLOY_NOW, SKIP_WINDOW;

        public String word() {
            return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        }
    }

    public boolean skipsSoak() {
        return kind == Kind.DEPLOY_NOW;
    }
}
