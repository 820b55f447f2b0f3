package dev.weft.runtime.trace;

import dev.weft.exporters.SpanExporters;
import dev.weft.runtime.core.AgentErrors;
import dev.weft.runtime.core.config.TracingSettings;
import dev.weft.runtime.core.config.WeftConfig;
import dev.weft.runtime.metrics.MetricsRuntime;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** Builds the tracing runtime from the configuration, with its drop counter. */
public final class TracingStarter {

  private TracingStarter() {}

  public static Tracing start(WeftConfig config, MetricsRuntime metrics, AgentErrors errors) {
    TracingSettings s = config.tracing();
    if (!s.enabled()) {
      return Tracing.disabled();
    }
    if (!s.exporting()) {
      return Tracing.passThrough(errors);
    }
    try {
      java.util.function.Supplier<SpanExporter> exporter = () -> exporter(s);
      DroppedSpans dropped = DroppedSpans.NONE;
      if (metrics != null) {
        Counter counter =
            metrics
                .counter("weft_spans_dropped_total")
                .help(
                    "Sampled spans that were not exported: queue_full (ended faster than the"
                        + " backend takes them) or export_failed (backend refused or away).")
                .labelNames("reason")
                .register(metrics.registry());
        // Bound once: drops come in bursts, one call per span, when the backend falls behind.
        CounterDataPoint queueFull = counter.labelValues("queue_full");
        CounterDataPoint exportFailed = counter.labelValues("export_failed");
        dropped =
            (reason, count) ->
                (reason.equals("queue_full")
                        ? queueFull
                        : reason.equals("export_failed")
                            ? exportFailed
                            : counter.labelValues(reason))
                    .inc(count);
      }
      Tracing tracing = Tracing.create(config, exporter, dropped, errors);
      Runtime.getRuntime()
          .addShutdownHook(new Thread(tracing::shutdown, "weft-span-export-shutdown"));
      return tracing;
    } catch (Throwable t) {
      errors.internalFailure("tracing", "starting the tracing runtime; spans are off", t);
      return Tracing.disabled();
    }
  }

  private static SpanExporter exporter(TracingSettings s) {
    SpanExporter exporter;
    if (s.exporter.equals("zipkin")) {
      exporter = SpanExporters.zipkin(s.zipkinEndpoint, s.otlpTimeoutMillis);
    } else if (s.otlpProtocol.equals("grpc")) {
      exporter =
          SpanExporters.otlpGrpc(s.otlpEndpoint, s.otlpHeaders, s.otlpTimeoutMillis, s.otlpCompression);
    } else {
      exporter =
          SpanExporters.otlpHttp(
              s.otlpEndpoint, s.otlpHeaders, s.otlpTimeoutMillis, s.otlpCompression, sendThreads());
    }
    // The exporters and their HTTP client report through java.util.logging, into the
    // application's console. Weft reports export failures itself (once); theirs are silenced.
    java.util.logging.Logger quiet = java.util.logging.Logger.getLogger("dev.weft.shaded");
    quiet.setLevel(java.util.logging.Level.OFF);
    quietLogger = quiet;
    return exporter;
  }

  /**
   * The threads the OTLP http/protobuf exporter sends on. It hands each send to a thread of its
   * executor, and sends with the JDK's HttpClient, which Weft instruments: on these threads, as on
   * the export thread, Weft's own traffic is never recorded (whether or not the executors module
   * carries the export thread's context over). Daemon threads, gone after a minute idle, as the
   * exporter's own default executor has.
   */
  private static ExecutorService sendThreads() {
    AtomicInteger n = new AtomicInteger();
    return new ThreadPoolExecutor(
        0,
        Integer.MAX_VALUE,
        60,
        TimeUnit.SECONDS,
        new SynchronousQueue<>(),
        r -> {
          Runnable suppressed =
              () -> {
                try (Scope ignored =
                    Context.root().with(Tracing.SUPPRESS, Boolean.TRUE).makeCurrent()) {
                  r.run();
                }
              };
          Thread t = new Thread(suppressed, "weft-otlp-http-" + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
  }

  /** Held so that the level set on it stays (java.util.logging keeps loggers weakly). */
  private static volatile java.util.logging.Logger quietLogger;

  public static String describe(WeftConfig config) {
    TracingSettings s = config.tracing();
    if (!s.enabled()) {
      return "off";
    }
    if (!s.exporting()) {
      return "not exported (exporter none): the caller's trace context is passed on";
    }
    String where =
        s.exporter.equals("zipkin")
            ? "zipkin " + s.zipkinEndpoint
            : "otlp " + s.otlpProtocol + " " + s.otlpEndpoint;
    return "to " + where + " (sampler " + s.sampler
        + (s.sampler.endsWith("traceidratio") ? " " + s.samplerRatio : "") + ")";
  }
}
