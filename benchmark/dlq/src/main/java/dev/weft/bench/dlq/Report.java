package dev.weft.bench.dlq;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;

/** The runs summarised: medians with min–max over rounds, ratios to no agent, as Markdown. */
final class Report {

    private final Options options;
    private final List<RunResult> runs;
    private final double elapsedSeconds;

    private final String loadAtStart;
    private final String loadAtEnd = loadAverage();

    Report(Options options, List<RunResult> runs, double elapsedSeconds, String loadAtStart) {
        this.options = options;
        this.runs = List.copyOf(runs);
        this.elapsedSeconds = elapsedSeconds;
        this.loadAtStart = loadAtStart;
    }

    /** The first three numbers of /proc/loadavg, or "unknown": the others' work on the machine. */
    static String loadAverage() {
        try {
            String[] parts = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).trim().split("\\s+");
            return parts[0] + " " + parts[1] + " " + parts[2];
        } catch (java.io.IOException | RuntimeException e) {
            return "unknown";
        }
    }

    List<RunResult> runs() {
        return runs;
    }

    /**
     * What makes the run fail: a run that failed, counts that do not add up; in smoke mode also a
     * sender that did not acknowledge every dead letter before the deadline.
     */
    List<String> problems(boolean smoke) {
        List<String> problems = new ArrayList<>();
        for (RunResult r : runs) {
            String name = (r.kind == RunResult.Kind.STORM ? "storm" : "outage") + " round " + r.round + " " + r.config;
            if (r.failure != null) {
                problems.add(name + " failed: " + r.failure);
            }
            r.problems.forEach(p -> problems.add(name + ": " + p));
            if (smoke && r.failure == null && r.acks != null && !r.drained()) {
                problems.add(name + ": only " + r.acks.published() + " of " + r.acks.expected + " dead letters acknowledged within "
                        + options.deadline.toSeconds() + " s of the consumer's end");
            }
        }
        if (runs.isEmpty()) {
            problems.add("nothing ran");
        }
        return problems;
    }

    String markdown() {
        Storm storm = options.storm();
        StringBuilder md = new StringBuilder();
        List<Config> configs = options.configs;
        md.append("| measure |");
        configs.forEach(c -> md.append(' ').append(c).append(" |"));
        md.append("\n|---|");
        configs.forEach(c -> md.append("---:|"));
        md.append('\n');
        row(md, "consumer throughput through the storm (records/s)", configs, RunResult::consumerRecordsPerSecond, true, false);
        row(md, "consumer time for the " + count(storm.records()) + " records (ms)", configs, RunResult::consumerMillis, false, false);
        row(md, "dead letters/s, first throw to last acknowledgement", configs, RunResult::deadLettersPerSecond, false, true);
        row(md, "dead letters/s, 10 % to 90 % acknowledged", configs, RunResult::sustainedDeadLettersPerSecond, false, true);
        row(md, "first acknowledgement after the first throw (s)", configs, RunResult::firstAckSeconds, false, true);
        row(md, "sender still draining after the consumer's last record (s)", configs, RunResult::drainAfterConsumerSeconds, false, true);
        md.append("| dead letters in `<topic>.dlq` (each round) |");
        for (Config c : configs) {
            List<RunResult> rs = storms(c);
            md.append(' ').append(rs.isEmpty() ? "–" : rs.stream()
                    .map(r -> r.failure != null ? "failed" : r.dlqTopicRecords < 0 ? "none" : count(r.dlqTopicRecords))
                    .collect(Collectors.joining(", "))).append(" |");
        }
        md.append("\n\n");

        List<RunResult> outages = runs.stream().filter(r -> r.kind == RunResult.Kind.OUTAGE).toList();
        if (!outages.isEmpty()) {
            md.append("| drain after an outage (weft, ").append(count(options.outageRecords))
                    .append(" dead letters waiting in the spool) | median (min–max) |\n|---|---:|\n");
            outageRow(md, outages, "dead letters/s, broker back to last acknowledgement", RunResult::deadLettersPerSecond, true);
            outageRow(md, outages, "dead letters/s, 10 % to 90 % acknowledged", RunResult::sustainedDeadLettersPerSecond, true);
            outageRow(md, outages, "first acknowledgement after the broker is back (s)", RunResult::firstAckSeconds, true);
            outageRow(md, outages, "consumer throughput while every record fails into the spool, broker down (records/s)",
                    RunResult::consumerRecordsPerSecond, false);
            md.append('\n');
        }

        md.append(String.format(Locale.ROOT,
                "Each run is a fresh consumer JVM (a plain `KafkaConsumer` poll loop handing each record to a method that"
                        + " takes the `ConsumerRecord` and throws for marked records; the loop catches and skips) going through"
                        + " a fresh topic of %d partitions holding %s records of %d bytes, %s of them (evenly spread) failing,"
                        + " produced before the consumer starts; one local KRaft broker for all runs. Consumer throughput is"
                        + " its records over the time from the start of its first record to the end of its last, as the"
                        + " consumer itself reports them; the ratio is to **none**. Dead letters are timed from the"
                        + " consumer's first throw to the agent's `kafka_dlq_records_total{outcome=\"published\"}` reaching %s,"
                        + " polled on `/metrics` every %d ms (so an instant is late by at most that); the dead-letter topic's"
                        + " end offsets are checked against it afterwards. **weft** has dead letters on (the default, a"
                        + " fresh spool directory per run), **weft-dlq-off** sets `weft.dlq.enabled=false`, **otel-metrics**"
                        + " is the upstream agent, which has no dead letters. Both agents run with traces off."
                        + " Median of %d round(s), configurations alternating, min–max in parentheses.",
                storm.partitions(), count(storm.records()), storm.valueBytes(), count(storm.failing()), count(storm.failing()),
                options.sampleInterval.toMillis(), options.rounds));
        if (!outages.isEmpty()) {
            md.append(String.format(Locale.ROOT,
                    " The outage: a consumer with Weft fetches all %s records of its topic (every one failing) and"
                            + " holds them; the broker is stopped; the consumer processes them, so every dead letter waits"
                            + " in the spool; once the agent's `kafka_dlq_spooled_records` shows them all, the broker is"
                            + " restarted on the same data and port, and the drain is timed from the instant it answers"
                            + " again to the last acknowledgement.",
                    count(options.outageRecords)));
        }
        md.append('\n');
        List<String> unfinished = new ArrayList<>();
        for (RunResult r : runs) {
            if (r.failure == null && r.acks != null && !r.drained()) {
                unfinished.add((r.kind == RunResult.Kind.STORM ? "storm" : "outage") + " round " + r.round + ": "
                        + count(r.acks.published()) + " of " + count(r.acks.expected));
            }
        }
        if (!unfinished.isEmpty()) {
            md.append("\n† Not drained: the harness stopped waiting ").append(options.deadline.toSeconds())
                    .append(" s after the consumer's end (").append(String.join("; ", unfinished))
                    .append(" acknowledged by then); the rate is that of what was acknowledged.\n");
        }
        List<String> problems = problems(false);
        if (!problems.isEmpty()) {
            md.append("\nProblems in this run:\n");
            problems.forEach(p -> md.append("- ").append(p.replace('\n', ' ')).append('\n'));
        }
        md.append(String.format(Locale.ROOT, "\nHarness run time: %.0f s (`benchmark/dlq`, %s mode); load average %s at the start,"
                        + " %s at the end, on %d cores.%n",
                elapsedSeconds, options.smoke ? "smoke" : "full", loadAtStart, loadAtEnd, Runtime.getRuntime().availableProcessors()));
        return md.toString();
    }

    private List<RunResult> storms(Config c) {
        return runs.stream().filter(r -> r.kind == RunResult.Kind.STORM && r.config == c).toList();
    }

    private void row(StringBuilder md, String label, List<Config> configs, ToDoubleFunction<RunResult> metric,
            boolean ratio, boolean deadLettersOnly) {
        md.append("| ").append(label).append(" |");
        double base = median(values(storms(Config.NONE), metric));
        for (Config c : configs) {
            if (deadLettersOnly && !c.deadLetters()) {
                md.append(" – |");
                continue;
            }
            List<RunResult> rs = storms(c);
            double[] v = values(rs, metric);
            md.append(' ').append(cell(v));
            if (deadLettersOnly && rs.stream().anyMatch(r -> r.failure == null && !r.drained())) {
                md.append(" †");
            }
            if (ratio && c != Config.NONE && v.length > 0 && base > 0) {
                md.append(String.format(Locale.ROOT, " ×%.3f", median(v) / base));
            }
            md.append(" |");
        }
        md.append('\n');
    }

    private void outageRow(StringBuilder md, List<RunResult> outages, String label, ToDoubleFunction<RunResult> metric,
            boolean deadLetters) {
        md.append("| ").append(label).append(" | ").append(cell(values(outages, metric)));
        if (deadLetters && outages.stream().anyMatch(r -> r.failure == null && !r.drained())) {
            md.append(" †");
        }
        md.append(" |\n");
    }

    private static double[] values(List<RunResult> rs, ToDoubleFunction<RunResult> metric) {
        return rs.stream().filter(RunResult::ok).mapToDouble(metric).filter(d -> !Double.isNaN(d)).sorted().toArray();
    }

    private static String cell(double[] sorted) {
        if (sorted.length == 0) {
            return "n/a";
        }
        String median = number(median(sorted));
        return sorted.length == 1 ? median : median + " (" + number(sorted[0]) + "–" + number(sorted[sorted.length - 1]) + ")";
    }

    static double median(double[] sorted) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        double[] s = Arrays.copyOf(sorted, sorted.length);
        Arrays.sort(s);
        int mid = s.length / 2;
        return s.length % 2 == 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
    }

    /** Three significant figures or so: 123,456; 1,234; 12.3; 1.23; 0.123. */
    static String number(double d) {
        double a = Math.abs(d);
        if (a >= 100) {
            return String.format(Locale.ROOT, "%,.0f", d);
        }
        if (a >= 10) {
            return String.format(Locale.ROOT, "%.1f", d);
        }
        if (a >= 1) {
            return String.format(Locale.ROOT, "%.2f", d);
        }
        return String.format(Locale.ROOT, "%.3f", d);
    }

    static String count(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }
}
