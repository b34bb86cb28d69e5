package dev.gitopsagent.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Everything one benchmark run found, rendered as a Markdown table (stdout and results.md) and as JSON. */
public final class Report {

    private final List<Row> rows = new ArrayList<>();
    private final List<ServerRow> serverRows = new ArrayList<>();
    private final List<Ratio> ratios = new ArrayList<>();
    private final List<TargetCheck> targets = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();

    public synchronized void add(Row row) {
        rows.add(row);
        System.out.println("[bench] " + row);
    }

    synchronized void add(ServerRow row) {
        serverRows.add(row);
        System.out.println("[bench] " + row);
    }

    public synchronized void add(Ratio ratio) {
        ratios.add(ratio);
    }

    public synchronized void add(TargetCheck target) {
        targets.add(target);
    }

    public synchronized void note(String note) {
        notes.add(note);
    }

    public String markdown(String machine) {
        StringBuilder out = new StringBuilder();
        out.append(machine).append("\n\n");
        out.append("| benchmark | subject | runs | median | p95 | CPU (median) | notes |\n");
        out.append("|---|---|---:|---:|---:|---:|---|\n");
        for (Row row : rows) {
            out.append("| ").append(String.join(" | ", row.benchmark(), row.subject(), row.runs(), row.median(), row.p95(), row.cpu(),
                    row.note())).append(" |\n");
        }
        if (!serverRows.isEmpty()) {
            out.append("\nAgainst nginx + git http-backend (fcgiwrap) on loopback; agent and git runs interleaved. ")
                    .append("Wall and client CPU: min / median / max. Server CPU: mean per run (nginx, fcgiwrap, git). ")
                    .append("Requests and bytes (headers included): median per run. Load: 1-minute load average during the runs.\n\n");
            out.append("| benchmark | subject | runs | wall | client CPU | server CPU | requests | bytes | load | notes |\n");
            out.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---|\n");
            for (ServerRow row : serverRows) {
                out.append("| ").append(String.join(" | ", row.benchmark(), row.subject(), String.valueOf(row.runs()), row.wall(), row.cpu(),
                        row.serverCpu(), row.requests(), row.bytes(), row.load(), row.note())).append(" |\n");
            }
        }
        out.append("\n| ratio | value | meaning |\n|---|---:|---|\n");
        for (Ratio ratio : ratios) {
            out.append("| ").append(ratio.name()).append(" | ").append(String.format(Locale.ROOT, "%.2f", ratio.value())).append(" | ")
                    .append(ratio.meaning()).append(" |\n");
        }
        out.append("\n| target | measured | met |\n|---|---|---|\n");
        for (TargetCheck target : targets) {
            out.append("| ").append(target.target()).append(" | ").append(target.measured()).append(" | ")
                    .append(target.met() ? "yes" : "**no**").append(" |\n");
        }
        if (!notes.isEmpty()) {
            out.append('\n');
            notes.forEach(note -> out.append("- ").append(note).append('\n'));
        }
        return out.toString();
    }

    public String json(String machine) {
        StringBuilder out = new StringBuilder("{\n  \"machine\": ").append(quote(machine)).append(",\n  \"rows\": [\n");
        for (int i = 0; i < rows.size(); i++) {
            Row row = rows.get(i);
            out.append("    {\"benchmark\": ").append(quote(row.benchmark())).append(", \"subject\": ").append(quote(row.subject()))
                    .append(", \"runs\": ").append(quote(row.runs())).append(", \"median\": ").append(quote(row.median()))
                    .append(", \"p95\": ").append(quote(row.p95())).append(", \"cpu\": ").append(quote(row.cpu()))
                    .append(", \"note\": ").append(quote(row.note())).append('}')
                    .append(i + 1 < rows.size() ? ",\n" : "\n");
        }
        out.append("  ],\n  \"serverRows\": [\n");
        for (int i = 0; i < serverRows.size(); i++) {
            ServerRow row = serverRows.get(i);
            out.append("    {\"benchmark\": ").append(quote(row.benchmark())).append(", \"subject\": ").append(quote(row.subject()))
                    .append(", \"runs\": ").append(row.runs()).append(", \"wall\": ").append(quote(row.wall()))
                    .append(", \"cpu\": ").append(quote(row.cpu())).append(", \"serverCpu\": ").append(quote(row.serverCpu()))
                    .append(", \"requests\": ").append(quote(row.requests())).append(", \"bytes\": ").append(quote(row.bytes()))
                    .append(", \"load\": ").append(quote(row.load())).append(", \"note\": ").append(quote(row.note())).append('}')
                    .append(i + 1 < serverRows.size() ? ",\n" : "\n");
        }
        out.append("  ],\n  \"ratios\": [\n");
        for (int i = 0; i < ratios.size(); i++) {
            Ratio ratio = ratios.get(i);
            out.append("    {\"name\": ").append(quote(ratio.name())).append(", \"value\": ")
                    .append(String.format(Locale.ROOT, "%.4f", ratio.value())).append(", \"meaning\": ").append(quote(ratio.meaning()))
                    .append('}').append(i + 1 < ratios.size() ? ",\n" : "\n");
        }
        out.append("  ],\n  \"targets\": [\n");
        for (int i = 0; i < targets.size(); i++) {
            TargetCheck target = targets.get(i);
            out.append("    {\"target\": ").append(quote(target.target())).append(", \"measured\": ").append(quote(target.measured()))
                    .append(", \"met\": ").append(target.met()).append('}').append(i + 1 < targets.size() ? ",\n" : "\n");
        }
        return out.append("  ]\n}\n").toString();
    }

    public void write(Path directory, String machine) throws IOException {
        Files.createDirectories(directory);
        Files.writeString(directory.resolve("results.md"), markdown(machine));
        Files.writeString(directory.resolve("results.json"), json(machine));
    }

    private static String quote(String text) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                default -> out.append(c < 0x20 ? String.format("\\u%04x", (int) c) : String.valueOf(c));
            }
        }
        return out.append('"').toString();
    }
}
