package dev.weft.runtime.metrics.push;

import dev.weft.exporters.MetricExporters;
import dev.weft.runtime.core.AgentErrors;
import dev.weft.runtime.core.config.MetricsPushSettings;
import dev.weft.runtime.core.config.WeftConfig;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.export.MetricExporter;
import io.opentelemetry.sdk.resources.Resource;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.IOException;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * Pushes what /metrics serves, for those who do not scrape: over OTLP to a collector every
 * {@code otel.metric.export.interval}, and to a Prometheus Pushgateway (at JVM exit, and every
 * {@code weft.metrics.pushgateway.interval} if set). Both send once more from a shutdown hook, so
 * that a short-lived JVM's last counts arrive.
 *
 * <p>Sends run on one daemon thread of Weft's own (and the exporter's send threads), never on an
 * application thread, and as Weft's own traffic: Weft's HTTP client instrumentation does not
 * count or trace them. A failed push is counted in {@code weft_agent_errors_total} (module {@code
 * otlp-metrics} or {@code pushgateway}) and logged once; it never reaches the application.
 */
public final class MetricsPush {

  static final String OTLP_MODULE = "otlp-metrics";
  static final String PUSHGATEWAY_MODULE = "pushgateway";
  private static final int PUSHGATEWAY_TIMEOUT_MILLIS = 10_000;

  private final MetricsPushSettings settings;
  private final WeftConfig config;
  private final String version;
  private final Supplier<MetricSnapshots> scrape;
  private final AgentErrors errors;
  private final UnaryOperator<Runnable> unrecorded;
  private final long startEpochNanos = System.currentTimeMillis() * 1_000_000L;

  private boolean started;
  private boolean stopped;
  private ScheduledThreadPoolExecutor scheduler;
  private OtlpMetricsConversion conversion;
  private MetricExporter exporter;
  private PushgatewayPush pushgateway;

  MetricsPush(
      WeftConfig config,
      String version,
      Supplier<MetricSnapshots> scrape,
      AgentErrors errors,
      UnaryOperator<Runnable> unrecorded) {
    this.config = config;
    this.settings = config.metricsPush();
    this.version = version;
    this.scrape = scrape;
    this.errors = errors;
    this.unrecorded = unrecorded;
  }

  /**
   * The push the configuration asks for, with its shutdown hook registered (nothing else is done
   * yet: {@link #start} builds the senders off the application's start-up path); null when
   * nothing is to be pushed.
   *
   * @param scrape the exposed registry's scrape: exactly what /metrics serves
   * @param unrecorded wraps a task so that the calls it makes are not recorded as the app's
   */
  public static MetricsPush create(
      WeftConfig config,
      String version,
      Supplier<MetricSnapshots> scrape,
      AgentErrors errors,
      UnaryOperator<Runnable> unrecorded) {
    if (!config.metricsPush().pushing()) {
      return null;
    }
    MetricsPush push = new MetricsPush(config, version, scrape, errors, unrecorded);
    if (config.metricsPush().otlp) {
      errors.declare(OTLP_MODULE);
    }
    if (config.metricsPush().pushgatewayUrl != null) {
      errors.declare(PUSHGATEWAY_MODULE);
    }
    Thread hook = new Thread(unrecorded.apply(push::finalPush), "weft-metrics-push-exit");
    hook.setContextClassLoader(MetricsPush.class.getClassLoader());
    Runtime.getRuntime().addShutdownHook(hook);
    return push;
  }

  /** Builds the senders and starts the schedule; call it from a thread of Weft's own. */
  public void start() {
    try {
      synchronized (this) {
        if (!senders() || stopped) {
          return;
        }
        scheduler = new ScheduledThreadPoolExecutor(1, threads("weft-metrics-push"));
        scheduler.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        if (exporter != null) {
          long every = settings.otlpIntervalMillis;
          scheduler.scheduleWithFixedDelay(this::pushOtlp, every, every, TimeUnit.MILLISECONDS);
        }
        if (pushgateway != null && settings.pushgatewayIntervalMillis > 0) {
          long every = settings.pushgatewayIntervalMillis;
          scheduler.scheduleWithFixedDelay(
              this::pushToGateway, every, every, TimeUnit.MILLISECONDS);
        }
      }
    } catch (Throwable t) {
      errors.internalFailure(OTLP_MODULE, "starting the metrics push", t);
    }
  }

  /** For the start-up line: where metrics are pushed. */
  public String describe() {
    StringBuilder s = new StringBuilder();
    if (settings.otlp) {
      s.append("pushed over otlp ")
          .append(settings.otlpProtocol)
          .append(' ')
          .append(settings.otlpEndpoint)
          .append(" every ")
          .append(settings.otlpIntervalMillis)
          .append(" ms");
    }
    if (settings.pushgatewayUrl != null) {
      s.append(s.length() == 0 ? "" : ", ")
          .append("pushed to the Pushgateway ")
          .append(settings.pushgatewayUrl)
          .append(" (job ")
          .append(settings.pushgatewayJob)
          .append(settings.pushgatewayIntervalMillis > 0
              ? ") every " + settings.pushgatewayIntervalMillis + " ms and at exit"
              : ") at exit");
    }
    return s.toString();
  }

  /** Builds what is configured, once; false if nothing could be built. */
  private boolean senders() {
    if (started) {
      return exporter != null || pushgateway != null;
    }
    started = true;
    if (settings.otlp) {
      try {
        conversion =
            new OtlpMetricsConversion(
                resource(config),
                InstrumentationScopeInfo.builder("dev.weft").setVersion(version).build(),
                startEpochNanos);
        exporter =
            settings.otlpProtocol.equals("grpc")
                ? MetricExporters.otlpGrpc(
                    settings.otlpEndpoint,
                    settings.otlpHeaders,
                    settings.otlpTimeoutMillis,
                    settings.otlpCompression)
                : MetricExporters.otlpHttp(
                    settings.otlpEndpoint,
                    settings.otlpHeaders,
                    settings.otlpTimeoutMillis,
                    settings.otlpCompression,
                    sendThreads());
        quietExporterLogs();
      } catch (Throwable t) {
        exporter = null;
        errors.internalFailure(OTLP_MODULE, "building the OTLP metric exporter; OTLP push is off", t);
      }
    }
    if (settings.pushgatewayUrl != null) {
      try {
        pushgateway =
            new PushgatewayPush(
                settings.pushgatewayUrl,
                settings.pushgatewayJob,
                hostName(),
                PUSHGATEWAY_TIMEOUT_MILLIS);
      } catch (Throwable t) {
        pushgateway = null;
        errors.internalFailure(PUSHGATEWAY_MODULE, "preparing the Pushgateway push; it is off", t);
      }
    }
    return exporter != null || pushgateway != null;
  }

  /** One OTLP export of the current scrape, waited for up to the export timeout. */
  void pushOtlp() {
    MetricExporter e;
    OtlpMetricsConversion c;
    synchronized (this) {
      e = exporter;
      c = conversion;
    }
    if (e == null) {
      return;
    }
    try {
      List<MetricData> data = c.convert(scrape.get(), System.currentTimeMillis() * 1_000_000L);
      CompletableResultCode result =
          e.export(data).join(settings.otlpTimeoutMillis, TimeUnit.MILLISECONDS);
      if (!result.isSuccess()) {
        Throwable why = result.getFailureThrowable();
        errors.internalFailure(
            OTLP_MODULE,
            "pushing metrics to " + settings.otlpEndpoint,
            why != null
                ? why
                : new IOException(
                    result.isDone()
                        ? "the receiver did not accept the export"
                        : "no answer within " + settings.otlpTimeoutMillis + " ms"));
      }
    } catch (Throwable t) {
      errors.internalFailure(OTLP_MODULE, "pushing metrics to " + settings.otlpEndpoint, t);
    }
  }

  /** One PUT of the current scrape to the Pushgateway. */
  void pushToGateway() {
    PushgatewayPush p;
    synchronized (this) {
      p = pushgateway;
    }
    if (p == null) {
      return;
    }
    try {
      p.push(scrape.get());
    } catch (Throwable t) {
      errors.internalFailure(PUSHGATEWAY_MODULE, "pushing metrics to " + p.url(), t);
    }
  }

  /**
   * At JVM exit: the schedule stops (an export under way may finish), then both pushes send once
   * more, each bounded by its timeout, so the last counts of a short JVM arrive.
   */
  void finalPush() {
    try {
      ScheduledThreadPoolExecutor s;
      synchronized (this) {
        senders();
        stopped = true;
        s = scheduler;
      }
      if (s != null) {
        s.shutdown();
        s.awaitTermination(settings.otlpTimeoutMillis, TimeUnit.MILLISECONDS);
      }
      pushOtlp();
      pushToGateway();
      MetricExporter e;
      synchronized (this) {
        e = exporter;
      }
      if (e != null) {
        e.shutdown().join(settings.otlpTimeoutMillis, TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Throwable t) {
      errors.internalFailure(OTLP_MODULE, "the final metrics push at exit", t);
    }
  }

  /**
   * The OTLP Resource: the service name and OTEL_RESOURCE_ATTRIBUTES, what {@code target_info}
   * carries on /metrics. Constant labels are not repeated here: they are on every point already.
   */
  static Resource resource(WeftConfig config) {
    AttributesBuilder b = Attributes.builder();
    for (Map.Entry<String, String> e : config.resourceAttributes().entrySet()) {
      b.put(e.getKey(), e.getValue());
    }
    b.put("service.name", config.serviceName());
    b.put("telemetry.distro.name", "weft");
    return Resource.getDefault().merge(Resource.create(b.build()));
  }

  private static String hostName() {
    String env = System.getenv("HOSTNAME");
    if (env != null && !env.trim().isEmpty()) {
      return env.trim();
    }
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }

  /** Daemon threads of Weft's own, whose work is never recorded as the application's. */
  private ThreadFactory threads(String name) {
    AtomicInteger n = new AtomicInteger();
    ClassLoader weft = MetricsPush.class.getClassLoader();
    return r -> {
      Thread t = new Thread(unrecorded.apply(r), name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      t.setContextClassLoader(weft);
      return t;
    };
  }

  /** The threads the OTLP http/protobuf exporter sends on (it hands each send to one). */
  private ExecutorService sendThreads() {
    return new ThreadPoolExecutor(
        0,
        Integer.MAX_VALUE,
        60,
        TimeUnit.SECONDS,
        new SynchronousQueue<>(),
        threads("weft-otlp-metrics-http"));
  }

  /**
   * The exporters report through java.util.logging, into the application's console, on every
   * failed export; Weft reports a failure itself, once. Held so that the level stays set
   * (java.util.logging keeps loggers weakly).
   */
  private static void quietExporterLogs() {
    java.util.logging.Logger quiet = java.util.logging.Logger.getLogger("dev.weft.shaded");
    quiet.setLevel(java.util.logging.Level.OFF);
    quietLogger = quiet;
  }

  private static volatile java.util.logging.Logger quietLogger;
}
