package dev.gitopsagent.status;

/** What the agent is doing right now. */
public enum Phase {
    IDLE, FETCHING, VERIFYING, EVALUATING, SUBSTITUTING, BUILDING, ACTIVATING, CHECKING_HEALTH, ROLLING_BACK;

    @Override
    public String toString() {
        return name().toLowerCase().replace('_', '-');
    }
}
