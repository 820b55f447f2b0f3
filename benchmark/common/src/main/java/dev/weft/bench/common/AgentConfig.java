package dev.weft.bench.common;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The configurations the macro and minimal cases compare: which agent, if any, and with which
 * settings (the micro runner has its own, with the same flags).
 */
public enum AgentConfig {
    /** No agent: the baseline every ratio is relative to. */
    NONE("none"),
    /** Weft, serving its Prometheus {@code /metrics} on a free loopback port; tracing off. */
    WEFT("weft"),
    /**
     * Weft with metrics as {@link #WEFT} and traces exported over OTLP/HTTP to the driver's
     * loopback sink, 10 % of root traces sampled: the same trace settings as {@link #OTEL_TRACES}.
     */
    WEFT_TRACES("weft-traces"),
    /** The OpenTelemetry agent with only its Prometheus metrics exporter (no traces, no logs). */
    OTEL_METRICS("otel-metrics"),
    /**
     * The OpenTelemetry agent with its Prometheus metrics exporter and traces exported over
     * OTLP/HTTP to the driver's loopback sink, 10 % of root traces sampled.
     */
    OTEL_TRACES("otel-traces");

    public final String id;

    AgentConfig(String id) {
        this.id = id;
    }

    public static AgentConfig parse(String id) {
        for (AgentConfig c : values()) {
            if (c.id.equals(id.trim().toLowerCase(Locale.ROOT))) {
                return c;
            }
        }
        throw new IllegalArgumentException("unknown configuration '" + id + "' (expected none, weft, weft-traces, otel-metrics, otel-traces)");
    }

    public boolean usesWeft() {
        return this == WEFT || this == WEFT_TRACES;
    }

    public boolean usesOtel() {
        return this == OTEL_METRICS || this == OTEL_TRACES;
    }

    /** Whether the agent exports traces to the driver's OTLP sink. */
    public boolean exportsTraces() {
        return this == WEFT_TRACES || this == OTEL_TRACES;
    }

    /** Whether the agent serves its own {@code /metrics} endpoint (every configuration but none). */
    public boolean hasMetricsEndpoint() {
        return this != NONE;
    }

    /**
     * The JVM flags this configuration adds to the common ones.
     *
     * @param metricsPort the agent's metrics port (ignored for {@link #NONE})
     * @param otlpEndpoint the sink's base URL (used only by the configurations that export traces)
     * @param serviceName the service name both agents report
     */
    public List<String> jvmFlags(Path weftAgent, Path otelAgent, int metricsPort, String otlpEndpoint, String serviceName) {
        List<String> flags = new ArrayList<>();
        switch (this) {
            case NONE -> { }
            case WEFT, WEFT_TRACES -> {
                flags.add("-javaagent:" + weftAgent);
                flags.add("-Dweft.metrics.port=" + metricsPort);
                flags.add("-Dweft.metrics.host=127.0.0.1");
                flags.add("-Dweft.service.name=" + serviceName);
                if (this == WEFT) {
                    // Metrics only: Weft traces by default, so switch it off explicitly (exporter
                    // none alone still passes callers' trace context on).
                    flags.add("-Dotel.traces.exporter=none");
                    flags.add("-Dweft.traces.enabled=false");
                } else {
                    addTracesToSink(flags, otlpEndpoint);
                }
            }
            case OTEL_METRICS, OTEL_TRACES -> {
                flags.add("-javaagent:" + otelAgent);
                flags.add("-Dotel.service.name=" + serviceName);
                flags.add("-Dotel.metrics.exporter=prometheus");
                flags.add("-Dotel.exporter.prometheus.host=127.0.0.1");
                flags.add("-Dotel.exporter.prometheus.port=" + metricsPort);
                flags.add("-Dotel.logs.exporter=none");
                if (this == OTEL_METRICS) {
                    flags.add("-Dotel.traces.exporter=none");
                } else {
                    addTracesToSink(flags, otlpEndpoint);
                }
            }
            default -> throw new AssertionError(this);
        }
        return flags;
    }

    /** OTLP/HTTP export of 10 % of root traces to the sink: the standard otel.* keys both agents read. */
    private static void addTracesToSink(List<String> flags, String otlpEndpoint) {
        if (otlpEndpoint == null) {
            throw new IllegalStateException("no OTLP sink for a configuration that exports traces");
        }
        flags.add("-Dotel.traces.exporter=otlp");
        flags.add("-Dotel.exporter.otlp.protocol=http/protobuf");
        flags.add("-Dotel.exporter.otlp.endpoint=" + otlpEndpoint);
        flags.add("-Dotel.traces.sampler=parentbased_traceidratio");
        flags.add("-Dotel.traces.sampler.arg=0.1");
    }

    @Override
    public String toString() {
        return id;
    }
}
