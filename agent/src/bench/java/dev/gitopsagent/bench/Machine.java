package dev.gitopsagent.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Locale;

import dev.gitopsagent.testing.CommandLine;

/** The machine and date the figures were taken on, for the results header. */
final class Machine {

    private Machine() {
    }

    static String describe() {
        String cpu = "unknown CPU";
        long memoryKb = 0;
        try {
            cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(line -> line.startsWith("model name"))
                    .map(line -> line.substring(line.indexOf(':') + 1).trim()).findFirst().orElse(cpu);
            memoryKb = Files.readAllLines(Path.of("/proc/meminfo")).stream().filter(line -> line.startsWith("MemTotal:"))
                    .map(line -> Long.parseLong(line.replaceAll("\\D+", ""))).findFirst().orElse(0L);
        } catch (IOException e) {
            // leave the defaults
        }
        String git = CommandLine.of("git", "--version").run().stdout().trim();
        return String.format(Locale.ROOT, "Machine: %d CPUs (%s), %.1f GiB RAM; Java %s; %s; date %s.",
                Runtime.getRuntime().availableProcessors(), cpu, memoryKb / 1024.0 / 1024.0, System.getProperty("java.version"), git,
                LocalDate.now());
    }
}
