package dev.weft.bench.macro;

import dev.weft.bench.common.AgentConfig;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;

/** What one run (one configuration, one fresh service JVM) measured. */
final class RunResult {

    final int round;
    final int position;
    final AgentConfig config;
    boolean started;
    String failure;
    final Map<Metric, Double> metrics = new EnumMap<>(Metric.class);
    /** Everything else worth keeping: request counts, error kinds, agent endpoint checks, ... */
    final Map<String, Object> details = new LinkedHashMap<>();

    RunResult(int round, int position, AgentConfig config) {
        this.round = round;
        this.position = position;
        this.config = config;
    }

    /** The metric's value, or NaN if it was not measured. */
    double get(Metric m) {
        Double v = metrics.get(m);
        return v == null ? Double.NaN : v;
    }

    void put(Metric m, double value) {
        metrics.put(m, value);
    }

    Map<String, Object> toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("round", round);
        json.put("position", position);
        json.put("config", config.id);
        json.put("started", started);
        json.put("failure", failure);
        for (Metric m : Metric.values()) {
            json.put(m.key, metrics.get(m));
        }
        json.putAll(details);
        return json;
    }
}
