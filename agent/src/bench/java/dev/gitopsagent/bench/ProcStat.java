package dev.gitopsagent.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What Linux's /proc says about a process and the machine. */
final class ProcStat {

    /** The kernel reports CPU in clock ticks of 10 ms (USER_HZ = 100 on every Linux build the benchmark targets). */
    static final double TICK_MILLIS = 10;

    private ProcStat() {
    }

    /** CPU of the process in clock ticks: its own user and system time and that of the children it reaped. */
    static long ticks(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
            // The fields after the command name, which is in parentheses and may contain spaces; index 0 is field 3.
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(fields[11]) + Long.parseLong(fields[12]) + Long.parseLong(fields[13]) + Long.parseLong(fields[14]);
        } catch (IOException | RuntimeException e) {
            return 0; // exited in between: its CPU now shows in its parent's children's time
        }
    }

    /** The 1-, 5- and 15-minute load averages, as {@code uptime} prints them. */
    static String loadAverage() {
        try {
            String[] fields = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return fields[0] + ", " + fields[1] + ", " + fields[2];
        } catch (IOException e) {
            return "unknown";
        }
    }

    /** The 1-minute load average. */
    static double load1() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }
}
