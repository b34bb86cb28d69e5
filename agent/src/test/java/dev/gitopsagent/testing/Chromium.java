package dev.gitopsagent.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Debian's headless Chromium, loading a page the way a person's browser would: {@link #dumpDom} is
 * the DOM after parsing (and after any script ran, so injected markup would show), {@link #screenshot}
 * a PNG. Every run gets a fresh profile and no network beyond the URL it is given.
 */
public final class Chromium {

    private final Path executable;
    private final Path scratch;
    private final Optional<Duration> scriptTime;

    private Chromium(Path executable, Path scratch, Optional<Duration> scriptTime) {
        this.executable = executable;
        this.scratch = scratch;
        this.scriptTime = scriptTime;
    }

    /** Fails the test when Chromium is not installed; {@code scratch} holds the throw-away profiles. */
    public static Chromium find(Path scratch) {
        return new Chromium(RequiredProgram.find("chromium", "chromium"), scratch, Optional.empty());
    }

    /**
     * For pages drawn by their own scripts (Prometheus's UI): lets them run for {@code budget} of
     * virtual time first. Not for the status page: virtual time would also run its meta refresh.
     */
    public Chromium waitingForScripts(Duration budget) {
        return new Chromium(executable, scratch, Optional.of(budget));
    }

    public String dumpDom(URI url) {
        return run(List.of("--dump-dom", url.toString())).stdout();
    }

    /** Saves a {@code width} × {@code height} screenshot of the page to {@code png}. */
    public Path screenshot(URI url, Path png, int width, int height) {
        try {
            Files.createDirectories(png.toAbsolutePath().getParent());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        run(List.of("--screenshot=" + png.toAbsolutePath(), "--window-size=" + width + "," + height, "--hide-scrollbars", url.toString()));
        if (!Files.isRegularFile(png)) {
            throw new AssertionError("chromium wrote no screenshot to " + png);
        }
        return png;
    }

    private ProcessResult run(List<String> arguments) {
        Path profile;
        try {
            Files.createDirectories(scratch);
            profile = Files.createTempDirectory(scratch, "chromium-profile");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> command = new ArrayList<>(List.of(executable.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + profile));
        scriptTime.ifPresent(budget -> command.add("--virtual-time-budget=" + budget.toMillis()));
        command.addAll(arguments);
        ProcessResult result = CommandLine.of(command).env("HOME", profile.toString()).timeout(Duration.ofMinutes(3)).run();
        if (!result.succeeded()) {
            throw new AssertionError("chromium failed (exit " + result.exitCode() + "): " + result.stderr());
        }
        return result;
    }
}
