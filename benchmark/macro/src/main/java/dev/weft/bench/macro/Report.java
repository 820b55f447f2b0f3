package dev.weft.bench.macro;

import dev.weft.bench.common.AgentConfig;
import dev.weft.bench.common.RoundsFile;
import dev.weft.bench.common.Spread;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Medians with their spread per configuration and metric, ratios vs {@code none}, and the tables. */
final class Report {

    final List<AgentConfig> configs;
    final List<RunResult> runs;

    Report(List<AgentConfig> configs, List<RunResult> runs) {
        this.configs = configs;
        this.runs = runs;
    }

    Spread spread(AgentConfig config, Metric metric) {
        return Spread.of(runs.stream().filter(r -> r.config == config && r.started)
                .mapToDouble(r -> r.get(metric)).toArray());
    }

    static Map<String, Object> toJson(Spread s) {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("median", s.median());
        j.put("min", s.min());
        j.put("max", s.max());
        j.put("n", s.n());
        return j;
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
        return paired(config, metric, true);
    }

    /** The difference to {@code none} of the same round, for every round where both ran. */
    Spread pairedDifference(AgentConfig config, Metric metric) {
        return paired(config, metric, false);
    }

    private Spread paired(AgentConfig config, Metric metric, boolean ratio) {
        List<Double> values = new ArrayList<>();
        for (RunResult r : runs) {
            if (r.config != config || !r.started) {
                continue;
            }
            for (RunResult b : runs) {
                if (b.config == AgentConfig.NONE && b.round == r.round && b.started) {
                    double base = b.get(metric);
                    double value = r.get(metric);
                    if (!Double.isNaN(base) && !Double.isNaN(value) && (!ratio || base != 0)) {
                        values.add(ratio ? value / base : value - base);
                    }
                }
            }
        }
        return Spread.of(values);
    }

    /** Every run's every metric, by round, for the goals table. */
    void addTo(RoundsFile rounds) {
        for (RunResult r : runs) {
            if (!r.started) {
                continue;
            }
            for (Metric m : Metric.values()) {
                rounds.value("macro", m.key, r.config.id, r.round, r.get(m));
            }
        }
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
                Map<String, Object> j = toJson(s);
                if (c != AgentConfig.NONE && configs.contains(AgentConfig.NONE)) {
                    j.put("ratioVsNone", ratio(c, m));
                    Spread paired = pairedRatio(c, m);
                    j.put("pairedRatioVsNone", paired == null ? null : toJson(paired));
                    Spread difference = pairedDifference(c, m);
                    j.put("pairedDifferenceVsNone", difference == null ? null : toJson(difference));
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

    /**
     * One row per metric, one column per configuration but none: the ratio to none of the same
     * round, median (min–max) over the rounds; for allocation the bytes added per request.
     */
    String pairedMarkdownTable() {
        List<AgentConfig> others = configs.stream().filter(c -> c != AgentConfig.NONE).toList();
        if (others.isEmpty() || !configs.contains(AgentConfig.NONE)) {
            return "";
        }
        StringBuilder md = new StringBuilder("| per round pair, vs none of the same round |");
        for (AgentConfig c : others) {
            md.append(' ').append(c.id).append(" |");
        }
        md.append("\n|---|").append("---|".repeat(others.size())).append('\n');
        for (Metric m : Metric.values()) {
            if (m == Metric.ERRORS) {
                continue;
            }
            boolean difference = m == Metric.ALLOC_PER_REQUEST;
            md.append("| ").append(difference ? "allocation added per request (bytes)" : m.label + ", ratio").append(" |");
            for (AgentConfig c : others) {
                Spread s = difference ? pairedDifference(c, m) : pairedRatio(c, m);
                md.append(' ').append(s == null ? "n/a" : difference ? s.formatSigned(0) : s.format(3)).append(" |");
            }
            md.append('\n');
        }
        return md.toString();
    }
}
