package dev.gitopsagent.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** What a reboot would change, read from two toplevels laid out as NixOS lays them out. */
class BootChangeTest {

    @TempDir
    Path dir;

    private static final Map<String, String> BOOTED = Map.of("kernel", "linux-6.6", "kernel-modules", "modules-6.6", "initrd", "initrd-1",
            "kernel-params", "init=/nix/store/x-init loglevel=4");

    static Stream<Arguments> changes() {
        return Stream.of(
                Arguments.of("nothing", Map.of(), List.of()),
                Arguments.of("the kernel and its modules", Map.of("kernel", "linux-6.12", "kernel-modules", "modules-6.12"),
                        List.of("kernel", "kernel-modules")),
                Arguments.of("the initrd", Map.of("initrd", "initrd-2"), List.of("initrd")),
                Arguments.of("the kernel parameters", Map.of("kernel-params", "init=/nix/store/x-init loglevel=7"), List.of("kernel-params")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("changes")
    void namesEachPartThatOnlyABootLoads(String what, Map<String, String> changed, List<String> expected) throws IOException {
        Path booted = toplevel("booted", BOOTED);
        Map<String, String> next = new HashMap<>(BOOTED);
        next.putAll(changed);

        assertThat(BootChange.between(booted, toplevel("next", next))).isEqualTo(expected);
    }

    @Test
    void aHostThatWasNotBootedIntoNixOsNeedsNoReboot() throws IOException {
        assertThat(BootChange.between(dir.resolve("no-booted-system"), toplevel("next", BOOTED))).isEmpty();
    }

    /** kernel, kernel-modules and initrd link to store paths (here: files under store/), kernel-params is a file. */
    private Path toplevel(String name, Map<String, String> parts) throws IOException {
        Path toplevel = Files.createDirectories(dir.resolve(name));
        Path store = Files.createDirectories(dir.resolve("store"));
        for (Map.Entry<String, String> part : parts.entrySet()) {
            if (part.getKey().equals("kernel-params")) {
                Files.writeString(toplevel.resolve(part.getKey()), part.getValue());
            } else {
                Path target = store.resolve(part.getValue());
                if (!Files.exists(target)) {
                    Files.writeString(target, part.getValue());
                }
                Files.createSymbolicLink(toplevel.resolve(part.getKey()), target);
            }
        }
        return toplevel;
    }
}
