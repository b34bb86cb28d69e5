package dev.gitopsagent.bench;

/** A headline comparison, "agent / git" style: ratios survive a noisy machine better than absolute times. */
public record Ratio(String name, double value, String meaning) {
}
