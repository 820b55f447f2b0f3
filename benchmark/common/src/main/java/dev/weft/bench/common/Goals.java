package dev.weft.bench.common;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The goals table of issue 20: one row per goal with the figure measured (median and min–max of
 * the per-round pairs with {@code none}), the goal and a verdict. A goal is <b>met</b> when every
 * round pair meets it, <b>not met</b> when none does, and <b>inconclusive</b> when the pairs' range
 * straddles the goal. Reads the rounds files the drivers wrote ({@code macro-rounds.tsv},
 * {@code minimal-rounds.tsv}, {@code micro-rounds.tsv}); writes the table to {@code --out} and,
 * with {@code --results-md}, replaces or inserts the "## Goals (issue 20)" section of RESULTS.md
 * right after its header table, leaving every other section as it is.
 *
 * <pre>java -cp weft-bench-common.jar dev.weft.bench.common.Goals --in a.tsv --in b.tsv
 *     --weft-agent weft-agent.jar --out goals.md [--results-md RESULTS.md] [--title "..."]</pre>
 */
public final class Goals {

    public static final String HEADING = "## Goals (issue 20)";
    static final long JAR_GOAL_BYTES = 8_000_000L;

    enum Verdict {
        MET("met"), NOT_MET("**not met**"), INCONCLUSIVE("inconclusive"), NOT_MEASURED("not measured");

        final String text;

        Verdict(String text) {
            this.text = text;
        }
    }

    /** A goal on the round pairs of a configuration with none. */
    record Goal(String figure, String kase, String metric, String config, boolean ratio, double scale,
            boolean atMost, double limit, String unit, int decimals) {
    }

    record Row(String figure, String measured, String goal, Verdict verdict, String remark) {
    }

    static final List<Goal> GOALS = List.of(
            new Goal("macro start-up to first 200, metrics only", "macro", "startupMs", "weft", true, 1, true, 1.05, "×", 3),
            new Goal("start-up added on the minimal JDK HTTP service (weft, metrics only)", "minimal", "startupMs", "weft",
                    false, 1, true, 300, " ms", 0),
            new Goal("macro start-up, metrics + 10% traces", "macro", "startupMs", "weft-traces", true, 1, true, 1.08, "×", 3),
            new Goal("macro throughput, metrics only", "macro", "throughputRps", "weft", true, 1, false, 0.97, "×", 3),
            new Goal("macro throughput, metrics + 10% traces", "macro", "throughputRps", "weft-traces", true, 1, false, 0.95,
                    "×", 3),
            new Goal("cheapest route of the minimal service (/ping), metrics + 10% traces", "minimal", "pingThroughputRps",
                    "weft-traces", true, 1, false, 0.95, "×", 3),
            new Goal("macro CPU per request, metrics only", "macro", "serviceCpuPerRequestUs", "weft", true, 1, true, 1.05,
                    "×", 3),
            // KafkaConsumeBenchmark: ns per iteration over 100 polled records -> µs per record.
            new Goal("Kafka consume, traces on (weft-traces), added per record", "micro", "KafkaConsumeBenchmark",
                    "weft-traces", false, 1e-5, true, 0.3, " µs", 3));

    private Goals() {
    }

    public static void main(String[] args) throws IOException {
        RoundsFile rounds = new RoundsFile();
        Path out = null;
        Path resultsMd = null;
        Path weftAgent = null;
        String title = null;
        for (int i = 0; i < args.length; i++) {
            String v = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--in" -> {
                    Path p = Path.of(v);
                    if (Files.isRegularFile(p)) {
                        rounds.read(p);
                    } else {
                        System.err.println("goals: no " + p + " (its goals are reported as not measured)");
                    }
                }
                case "--out" -> out = Path.of(v);
                case "--results-md" -> resultsMd = Path.of(v);
                case "--weft-agent" -> weftAgent = Path.of(v);
                case "--title" -> title = v;
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
            i++;
        }
        if (out == null) {
            throw new IllegalArgumentException("--out FILE is required");
        }
        String section = section(rounds, weftAgent, title);
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, section, StandardCharsets.UTF_8);
        System.out.print(section);
        if (resultsMd != null) {
            String md = Files.isRegularFile(resultsMd) ? Files.readString(resultsMd, StandardCharsets.UTF_8) : "";
            Files.writeString(resultsMd, replaceSection(md, section), StandardCharsets.UTF_8);
            System.err.println("goals: section \"" + HEADING + "\" written into " + resultsMd);
        }
    }

    static String section(RoundsFile rounds, Path weftAgent, String title) throws IOException {
        List<Row> rows = rows(rounds, weftAgent);
        StringBuilder md = new StringBuilder(HEADING).append("\n\n");
        md.append(title != null ? title : "Generated by `benchmark/run --goals` on "
                + LocalDate.now(ZoneOffset.UTC) + ".").append("\n\n");
        md.append("| figure | measured: median (min–max) | goal | verdict |\n|---|---|---|---|\n");
        for (Row r : rows) {
            md.append("| ").append(r.figure()).append(" | ").append(r.measured())
                    .append(r.remark().isEmpty() ? "" : "; " + r.remark()).append(" | ").append(r.goal())
                    .append(" | ").append(r.verdict().text).append(" |\n");
        }
        md.append("\nRatios and differences are taken per round pair (a configuration against `none` of the same\n"
                + "round, configurations alternating within a round); the table gives their median and min–max.\n"
                + "A goal is met when every pair meets it, not met when no pair does, inconclusive when the pairs'\n"
                + "range straddles it. Allocation follows the same rule against 0 bytes added per request, so a\n"
                + "cost that shows in every round pair is not met even when it is smaller than `none`'s own\n"
                + "round-to-round range (printed beside it).\n");
        return md.toString();
    }

    static List<Row> rows(RoundsFile rounds, Path weftAgent) throws IOException {
        List<Row> rows = new ArrayList<>();
        for (Goal g : GOALS) {
            rows.add(row(rounds, g));
        }
        rows.add(allocationRow(rounds));
        rows.add(jarRow(weftAgent));
        rows.add(archiveRow(rounds, "appcdsStartupMs", "appcds",
                "start-up with an AppCDS archive made with the agent (JDK 17), vs the same without"));
        rows.add(archiveRow(rounds, "aotStartupMs", "aot",
                "start-up with a JDK 25 AOT cache made with the agent, vs the same without"));
        return rows;
    }

    static Row row(RoundsFile rounds, Goal g) {
        String goal = (g.atMost() ? "≤ " : "≥ ") + (g.ratio() ? String.format(Locale.ROOT, "%.2f×", g.limit())
                : String.format(Locale.ROOT, "+%s%s", trim(g.limit()), g.unit()));
        List<Double> pairs = rounds.paired(g.kase(), g.metric(), g.config(), "none", g.ratio());
        if (pairs.isEmpty()) {
            return new Row(g.figure(), "n/a", goal, Verdict.NOT_MEASURED, "");
        }
        Spread s = Spread.of(pairs.stream().map(v -> v * g.scale()).toList());
        String measured = g.ratio() ? s.format(g.decimals()).replace(")", "") + (s.n() > 1 ? ")×" : "×")
                : s.formatSigned(g.decimals()) + g.unit();
        if (g.ratio() && s.n() == 1) {
            measured = s.format(g.decimals()) + "×";
        }
        return new Row(g.figure(), measured, goal, verdict(s, g.atMost(), g.limit()), s.n() + " pairs");
    }

    static Verdict verdict(Spread s, boolean atMost, double limit) {
        if (s == null) {
            return Verdict.NOT_MEASURED;
        }
        if (atMost) {
            return s.max() <= limit ? Verdict.MET : s.min() > limit ? Verdict.NOT_MET : Verdict.INCONCLUSIVE;
        }
        return s.min() >= limit ? Verdict.MET : s.max() < limit ? Verdict.NOT_MET : Verdict.INCONCLUSIVE;
    }

    static Row allocationRow(RoundsFile rounds) {
        String figure = "allocation per request added, metrics only (macro)";
        String goal = "0 bytes added (each round pair)";
        Spread none = Spread.of(rounds.byRound("macro", "allocatedBytesPerRequest", "none").values());
        Spread weft = Spread.of(rounds.byRound("macro", "allocatedBytesPerRequest", "weft").values());
        Spread added = Spread.of(rounds.paired("macro", "allocatedBytesPerRequest", "weft", "none", false));
        if (none == null || weft == null || added == null) {
            return new Row(figure, "n/a", goal, Verdict.NOT_MEASURED, "");
        }
        // As every other goal: each round pair's added bytes against 0, so that a cost added in
        // every round is "not met" even when it is smaller than none's own round-to-round spread.
        Verdict v = verdict(added, true, 0);
        return new Row(figure, added.formatSigned(0) + " bytes", goal, v,
                "none " + none.format(0) + " B/req, weft " + weft.format(0) + " B/req");
    }

    static Row jarRow(Path weftAgent) throws IOException {
        String goal = "≤ 8 MB (8,000,000 bytes)";
        if (weftAgent == null || !Files.isRegularFile(weftAgent)) {
            return new Row("agent jar size", "n/a", goal, Verdict.NOT_MEASURED, "");
        }
        long size = Files.size(weftAgent);
        return new Row("agent jar size", String.format(Locale.ROOT, "%,d bytes", size), goal,
                size <= JAR_GOAL_BYTES ? Verdict.MET : Verdict.NOT_MET, "");
    }

    static Row archiveRow(RoundsFile rounds, String metric, String noteKey, String figure) {
        String goal = "≤ 1.05×";
        List<Double> pairs = rounds.paired("minimal", metric, "weft", "none", true);
        String warnings = rounds.note("minimal", noteKey + "-warnings");
        String remark = "";
        if (warnings != null && !warnings.isBlank()) {
            // The severe ones in full (a crash, a VM warning, a failed dump); the rest counted (all are in minimal.md).
            List<String> severe = new ArrayList<>();
            int others = 0;
            for (String w : warnings.split(" / ")) {
                if (w.matches("(?i).*(fatal|SIGSEGV|problematic frame|VM warning|error occurred|must enable).*")) {
                    severe.add(w);
                } else {
                    others++;
                }
            }
            remark = ("JVM warnings: " + String.join(" / ", severe) + (others == 0 ? "" : (severe.isEmpty() ? "" : "; ")
                    + others + " kinds of CDS/AOT warnings more, listed in the minimal table")).replace("|", "\\|");
        }
        String skipped = rounds.note("minimal", noteKey + "-skipped");
        String failed = rounds.note("minimal", noteKey + "-failed");
        if (failed != null) {
            return new Row(figure, "n/a", goal, Verdict.NOT_MET, failed + (remark.isEmpty() ? "" : "; " + remark));
        }
        if (pairs.isEmpty()) {
            return new Row(figure, "n/a", goal, Verdict.NOT_MEASURED, skipped != null ? skipped : remark);
        }
        Spread s = Spread.of(pairs);
        String used = rounds.note("minimal", noteKey + "-classes");
        String r = s.n() + " pairs" + (used == null ? "" : "; " + used) + (remark.isEmpty() ? "" : "; " + remark);
        String measured = s.n() == 1 ? s.format(3) + "×" : s.format(3).replace(")", ")×");
        return new Row(figure, measured, goal, verdict(s, true, 1.05), r);
    }

    private static String trim(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }

    /**
     * {@code md} with its goals section replaced by {@code section}, or, when it has none, with
     * {@code section} inserted before its first "## " heading: after the header table and the
     * paragraph under it. Every other section stays as it is.
     */
    static String replaceSection(String md, String section) {
        List<String> lines = new ArrayList<>(md.lines().toList());
        int start = lines.indexOf(HEADING);
        if (start >= 0) {
            int end = start + 1;
            while (end < lines.size() && !lines.get(end).startsWith("## ")) {
                end++;
            }
            lines.subList(start, end).clear();
        }
        int at = lines.size();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith("## ")) {
                at = i;
                break;
            }
        }
        List<String> insert = new ArrayList<>();
        if (at > 0 && !lines.get(at - 1).isBlank()) {
            insert.add("");
        }
        insert.addAll(section.strip().lines().toList());
        if (at < lines.size()) {
            insert.add("");
        }
        lines.addAll(at, insert);
        return String.join("\n", lines) + "\n";
    }
}
