package dev.gitopsagent.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What a reboot into one NixOS toplevel would change compared with another: the parts that only
 * take effect at boot, as NixOS's own {@code system.autoUpgrade.allowReboot} compares them. The
 * kernel, its modules and the initrd are links into the store (compared by target); the kernel
 * parameters are a file (compared by content).
 */
public final class BootChange {

    private static final List<String> LINKS = List.of("kernel", "kernel-modules", "initrd");
    private static final String PARAMETERS = "kernel-params";

    private BootChange() {
    }

    /**
     * The parts of {@code next} that differ from {@code booted}, e.g. {@code [kernel, initrd]}; empty
     * when a reboot would change nothing, or when either system cannot be read (not a NixOS system).
     */
    public static List<String> between(Path booted, Path next) {
        if (!Files.isDirectory(booted) || !Files.isDirectory(next)) {
            return List.of();
        }
        List<String> changed = new ArrayList<>();
        for (String link : LINKS) {
            if (!Objects.equals(target(booted.resolve(link)), target(next.resolve(link)))) {
                changed.add(link);
            }
        }
        if (!Objects.equals(content(booted.resolve(PARAMETERS)), content(next.resolve(PARAMETERS)))) {
            changed.add(PARAMETERS);
        }
        return List.copyOf(changed);
    }

    private static Optional<Path> target(Path link) {
        try {
            return Optional.of(link.toRealPath());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static Optional<String> content(Path file) {
        try {
            return Optional.of(Files.readString(file).strip());
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
