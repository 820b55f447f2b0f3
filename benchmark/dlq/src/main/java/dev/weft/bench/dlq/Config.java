package dev.weft.bench.dlq;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The configurations the consumer runs under. */
enum Config {
    /** No agent: the baseline of every ratio. */
    NONE("none"),
    /** Weft, metrics on, traces off, dead letters on (the default): they are measured. */
    WEFT("weft"),
    /** Weft as {@link #WEFT} with {@code weft.dlq.enabled=false}: what the consumer pays without them. */
    WEFT_DLQ_OFF("weft-dlq-off"),
    /** The upstream OpenTelemetry agent, Prometheus exporter on, traces and logs off; it has no dead letters. */
    OTEL_METRICS("otel-metrics");

    final String id;

    Config(String id) {
        this.id = id;
    }

    static Config parse(String id) {
        for (Config c : values()) {
            if (c.id.equals(id.trim().toLowerCase(Locale.ROOT))) {
                return c;
            }
        }
        throw new IllegalArgumentException("unknown configuration '" + id + "' (expected none, weft, weft-dlq-off, otel-metrics)");
    }

    /** Whether Weft sends dead letters in this configuration. */
    boolean deadLetters() {
        return this == WEFT;
    }

    boolean hasMetricsEndpoint() {
        return this != NONE;
    }

    /**
     * The JVM flags of this configuration.
     *
     * @param spoolDir a fresh, empty directory for Weft's spool
     */
    List<String> jvmFlags(Path weftAgent, Path otelAgent, int metricsPort, Path spoolDir) {
        List<String> flags = new ArrayList<>();
        switch (this) {
            case NONE -> { }
            case WEFT, WEFT_DLQ_OFF -> {
                flags.add("-javaagent:" + weftAgent.toAbsolutePath());
                flags.add("-Dweft.metrics.port=" + metricsPort);
                flags.add("-Dweft.metrics.host=127.0.0.1");
                flags.add("-Dweft.service.name=dlq-bench");
                flags.add("-Dotel.traces.exporter=none");
                flags.add("-Dweft.dlq.spool.dir=" + spoolDir.toAbsolutePath());
                flags.add("-Dweft.dlq.enabled=" + (this == WEFT));
            }
            case OTEL_METRICS -> {
                flags.add("-javaagent:" + otelAgent.toAbsolutePath());
                flags.add("-Dotel.service.name=dlq-bench");
                flags.add("-Dotel.metrics.exporter=prometheus");
                flags.add("-Dotel.exporter.prometheus.host=127.0.0.1");
                flags.add("-Dotel.exporter.prometheus.port=" + metricsPort);
                flags.add("-Dotel.traces.exporter=none");
                flags.add("-Dotel.logs.exporter=none");
            }
            default -> throw new AssertionError(this);
        }
        return flags;
    }

    @Override
    public String toString() {
        return id;
    }
}
