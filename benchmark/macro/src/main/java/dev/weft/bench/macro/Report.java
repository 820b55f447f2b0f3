package dev.weft.bench.macro;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Medians with their spread per configuration and metric, ratios vs {@code none}, and the tables. */
final class Report {

    /**
     * The goals for Weft: start-up within 1.10 of no agent, throughput at least 0.97, with
     * metrics only ({@code weft}) and with metrics and 10 % of traces exported ({@code weft-traces}).
     */
    static final double GOAL_STARTUP_RATIO = 1.10;
    static final double GOAL_THROUGHPUT_RATIO = 0.97;

    final List<AgentConfig> configs;
    final List<RunResult> runs;

    Report(List<AgentConfig> configs, List<RunResult> runs) {
        this.configs = configs;
        this.runs = runs;
    }

    /** Median, min and max of a metric over the runs of a configuration; null if none measured it. */
    record Spread(double median, double min, double max, int n) {

        Map<String, Object> toJson() {
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("median", median);
            j.put("min", min);
            j.put("max", max);
            j.put("n", n);
            return j;
        }
    }

    Spread spread(AgentConfig config, Metric metric) {
        return spread(runs.stream().filter(r -> r.config == config && r.started)
                .mapToDouble(r -> r.get(metric)).filter(v -> !Double.isNaN(v)).toArray());
    }

    static Spread spread(double[] values) {
        if (values.length == 0) {
            return null;
        }
        double[] v = values.clone();
        Arrays.sort(v);
        int n = v.length;
        double median = n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
        return new Spread(median, v[0], v[n - 1], n);
    }

    /** Median of the configuration over median of {@code none}; NaN if either is missing or 0. */
    double ratio(AgentConfig config, Metric metric) {
        Spread base = spread(AgentConfig.NONE, metric);
        Spread s = spread(config, metric);
        if (base == null || s == null || base.median() == 0) {
            return Double.NaN;
        }
        return s.median() / base.median();
    }

    /** The ratio to {@code none} of the same round, for every round where both ran: a paired view. */
    Spread pairedRatio(AgentConfig config, Metric metric) {
        List<Double> ratios = new ArrayList<>();
        for (RunResult r : runs) {
            if (r.config != config || !r.started) {
                continue;
            }
            for (RunResult b : runs) {
                if (b.config == AgentConfig.NONE && b.round == r.round && b.started) {
                    double base = b.get(metric);
                    double value = r.get(metric);
                    if (!Double.isNaN(base) && !Double.isNaN(value) && base != 0) {
                        ratios.add(value / base);
                    }
                }
            }
        }
        return spread(ratios.stream().mapToDouble(Double::doubleValue).toArray());
    }

    Map<String, Object> summaryJson() {
        Map<String, Object> summary = new LinkedHashMap<>();
        for (AgentConfig c : configs) {
            Map<String, Object> perMetric = new LinkedHashMap<>();
            for (Metric m : Metric.values()) {
                Spread s = spread(c, m);
                if (s == null) {
                    perMetric.put(m.key, null);
                    continue;
                }
                Map<String, Object> j = s.toJson();
                if (c != AgentConfig.NONE && configs.contains(AgentConfig.NONE)) {
                    j.put("ratioVsNone", ratio(c, m));
                    Spread paired = pairedRatio(c, m);
                    j.put("pairedRatioVsNone", paired == null ? null : paired.toJson());
                }
                perMetric.put(m.key, j);
            }
            summary.put(c.id, perMetric);
        }
        return summary;
    }

    /** Start-up, throughput, p99 and RSS ratios vs none, per configuration. */
    Map<String, Object> headlineRatiosJson() {
        Map<String, Object> ratios = new LinkedHashMap<>();
        if (!configs.contains(AgentConfig.NONE)) {
            return ratios;
        }
        for (AgentConfig c : configs) {
            if (c == AgentConfig.NONE) {
                continue;
            }
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("startup", ratio(c, Metric.STARTUP_MS));
            r.put("throughput", ratio(c, Metric.THROUGHPUT_RPS));
            r.put("p99", ratio(c, Metric.P99_MS));
            r.put("rss", ratio(c, Metric.RSS));
            ratios.put(c.id, r);
        }
        return ratios;
    }

    /** Weft's configurations against the goals, per configuration (null if none did not run). */
    Map<String, Object> goalsJson() {
        if (!configs.contains(AgentConfig.NONE)) {
            return null;
        }
        Map<String, Object> perConfig = new LinkedHashMap<>();
        for (AgentConfig c : configs) {
            if (!c.usesWeft()) {
                continue;
            }
            Map<String, Object> goals = new LinkedHashMap<>();
            double startup = ratio(c, Metric.STARTUP_MS);
            double throughput = ratio(c, Metric.THROUGHPUT_RPS);
            goals.put("startupRatio", goal(startup, "<=", GOAL_STARTUP_RATIO, !Double.isNaN(startup) && startup <= GOAL_STARTUP_RATIO));
            goals.put("throughputRatio", goal(throughput, ">=", GOAL_THROUGHPUT_RATIO, !Double.isNaN(throughput) && throughput >= GOAL_THROUGHPUT_RATIO));
            perConfig.put(c.id, goals);
        }
        return perConfig.isEmpty() ? null : perConfig;
    }

    /** OTLP trace export requests the sink received per run (start to exit), per exporting configuration. */
    Map<String, Object> traceExportsJson() {
        Map<String, Object> exports = new LinkedHashMap<>();
        for (AgentConfig c : configs) {
            if (c.exportsTraces()) {
                exports.put(c.id, traceExports(c));
            }
        }
        return exports;
    }

    /** The sink's trace export requests of each run of the configuration, in run order. */
    List<Long> traceExports(AgentConfig config) {
        List<Long> counts = new ArrayList<>();
        for (RunResult r : runs) {
            if (r.config == config && r.details.get("otlpSink") instanceof Map<?, ?> sink
                    && sink.get("traceExportRequests") instanceof Long n) {
                counts.add(n);
            }
        }
        return counts;
    }

    /** One line with the sink's counts per exporting configuration, and a warning for any that exported nothing. */
    String traceExportsMarkdown() {
        List<String> parts = new ArrayList<>();
        StringBuilder warnings = new StringBuilder();
        for (AgentConfig c : configs) {
            if (!c.exportsTraces()) {
                continue;
            }
            List<Long> counts = traceExports(c);
            parts.add(c.id + " " + (counts.isEmpty() ? "n/a" : counts.stream().map(String::valueOf)
                    .reduce((a, b) -> a + ", " + b).orElse("")));
            if (!counts.isEmpty() && counts.stream().allMatch(n -> n == 0)) {
                warnings.append("- ").append(c.id).append(": the sink received no trace export, so this column")
                        .append(" measures the agent's tracing set-up but no span export (no trace was started")
                        .append(" and sampled: does the agent instrument this service's HTTP server?).\n");
            }
        }
        if (parts.isEmpty()) {
            return "";
        }
        return "OTLP trace export requests received by the local sink, per run (service start to exit): "
                + String.join("; ", parts) + ".\n" + (warnings.length() == 0 ? "" : "\n" + warnings);
    }

    private static Map<String, Object> goal(double value, String op, double limit, boolean met) {
        Map<String, Object> g = new LinkedHashMap<>();
        g.put("value", value);
        g.put("goal", op + " " + limit);
        g.put("met", met);
        return g;
    }

    /** One row per metric, one column per configuration: "median (min–max)" and the ratio vs none. */
    String markdownTable() {
        StringBuilder md = new StringBuilder();
        md.append("| metric |");
        for (AgentConfig c : configs) {
            md.append(' ').append(c.id).append(" |");
        }
        md.append("\n|---|");
        md.append("---|".repeat(configs.size()));
        md.append('\n');
        for (Metric m : Metric.values()) {
            md.append("| ").append(m.label).append(" |");
            for (AgentConfig c : configs) {
                Spread s = spread(c, m);
                md.append(' ');
                if (s == null) {
                    md.append("n/a");
                } else {
                    md.append(m.format(s.median()));
                    if (s.n() > 1) {
                        md.append(" (").append(m.format(s.min())).append('–').append(m.format(s.max())).append(')');
                    }
                    if (c != AgentConfig.NONE && configs.contains(AgentConfig.NONE)) {
                        double ratio = ratio(c, m);
                        if (!Double.isNaN(ratio)) {
                            md.append(String.format(Locale.ROOT, " ×%.3f", ratio));
                        }
                    }
                }
                md.append(" |");
            }
            md.append('\n');
        }
        return md.toString();
    }

    /** A line per configuration and goal, for the end of the Markdown output. */
    String goalsMarkdown() {
        Map<String, Object> perConfig = goalsJson();
        if (perConfig == null) {
            return "";
        }
        StringBuilder md = new StringBuilder();
        for (Map.Entry<String, Object> c : perConfig.entrySet()) {
            @SuppressWarnings("unchecked")
            Map<String, Object> goals = (Map<String, Object>) c.getValue();
            for (Map.Entry<String, Object> e : goals.entrySet()) {
                @SuppressWarnings("unchecked")
                Map<String, Object> g = (Map<String, Object>) e.getValue();
                md.append(String.format(Locale.ROOT, "- %s %s: %.3f (goal %s): %s%n", c.getKey(), e.getKey(),
                        (Double) g.get("value"), g.get("goal"), Boolean.TRUE.equals(g.get("met")) ? "met" : "NOT met"));
            }
        }
        return md.toString();
    }
}
