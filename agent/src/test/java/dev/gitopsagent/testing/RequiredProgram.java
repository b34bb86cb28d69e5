package dev.gitopsagent.testing;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A program from the machine that a test cannot do without (a browser, Prometheus). A missing one
 * fails the test with the package to install; it never skips the test silently.
 */
public final class RequiredProgram {

    private RequiredProgram() {
    }

    public static Path find(String name, String debianPackage) {
        String path = System.getenv().getOrDefault("PATH", "") + File.pathSeparator + "/usr/bin";
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, name))) {
                return Path.of(dir, name);
            }
        }
        throw new AssertionError(name + " is not installed; this test needs it: install the Debian package '" + debianPackage
                + "' (.ci/run installs it)");
    }
}
