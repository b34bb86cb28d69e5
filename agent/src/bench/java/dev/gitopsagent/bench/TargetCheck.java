package dev.gitopsagent.bench;

/** One of the targets, the measured figure, and whether it is met. */
public record TargetCheck(String target, String measured, boolean met) {
}
