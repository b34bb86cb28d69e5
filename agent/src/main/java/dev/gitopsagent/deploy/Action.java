package dev.gitopsagent.deploy;

/**
 * How a built system is activated. Configured as {@code switch}, {@code boot}, {@code test} or
 * {@code dry-run}.
 */
public enum Action {
    /** Activate now and make it the boot default. */
    SWITCH("switch"),
    /** Make it the boot default; activate at the next reboot. */
    BOOT("boot"),
    /** Activate now, leave the boot default alone: a reboot returns to the previous system. */
    TEST("test"),
    /** Verify and log the exact commands; run nothing. */
    DRY_RUN(null);

    private final String subcommand;

    Action(String subcommand) {
        this.subcommand = subcommand;
    }

    /** The nixos-rebuild subcommand; dry-run has none. */
    public String subcommand() {
        if (subcommand == null) {
            throw new IllegalStateException("dry-run runs no nixos-rebuild subcommand");
        }
        return subcommand;
    }

    /** The action as the configuration and the state file write it ({@code switch} ... {@code dry-run}). */
    public static Action parse(String text) {
        for (Action action : values()) {
            if (action.toString().equals(text)) {
                return action;
            }
        }
        throw new IllegalArgumentException("not an action: " + text);
    }

    public boolean runsAnything() {
        return subcommand != null;
    }

    @Override
    public String toString() {
        return subcommand == null ? "dry-run" : subcommand;
    }
}
