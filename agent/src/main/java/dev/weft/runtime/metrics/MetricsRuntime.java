package dev.weft.runtime.metrics;

import dev.weft.runtime.core.AgentErrors;
import dev.weft.runtime.core.config.WeftConfig;
import dev.weft.runtime.metrics.naming.Presets;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Info;
import io.prometheus.metrics.core.util.Scheduler;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Labels;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Weft's metrics: its own {@link PrometheusRegistry} (never the default one, which belongs to
 * the application), the recorders behind the bridge, and the /metrics server.
 */
public final class MetricsRuntime {

  private final WeftConfig config;
  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final PrometheusRegistry exposed;
  private final Labels constLabels;
  private final AgentErrors errors;
  private final Counter labelOverflow;
  private final CounterDataPoint scrapesRejected;
  private final HttpServerMetrics httpServer;
  private final HttpClientMetrics httpClient;
  private final JdbcMetrics jdbc;
  private final PoolMetrics pools;
  private final KafkaMetrics kafka;
  private final DlqMetrics dlq;
  private final RpcMetrics rpcServer;
  private final RpcMetrics rpcClient;
  private volatile MetricsServer server;

  public MetricsRuntime(WeftConfig config, String version, AgentErrors errors) {
    this.config = config;
    this.errors = errors;
    this.constLabels = toLabels(config.constantLabels());
    // The default preset is the registry itself: no preset classes loaded at start-up.
    this.exposed =
        config.metricsNaming().equals("prometheus")
            ? registry
            : Presets.named(config.metricsNaming()).view(registry, config.constantLabels().keySet());

    Info.builder()
        .name("weft_agent_info")
        .help("The Weft agent running in this JVM.")
        .labelNames("version")
        .constLabels(constLabels)
        .register(registry)
        .setLabelValues(version);
    Info target = targetInfo(config);
    registry.register(target);
    target.setLabelValues(targetInfoValues(config));

    Counter errorsCounter =
        Counter.builder()
            .name("weft_agent_errors_total")
            .help("Failures inside Weft, by module; the application never sees them.")
            .labelNames("module")
            .constLabels(constLabels)
            .withoutExemplars()
            .register(registry);
    errors.bind(errorsCounter);
    this.labelOverflow =
        Counter.builder()
            .name("weft_label_overflow_total")
            .help(
                "Observations recorded under the _other_ label value because a metric reached"
                    + " weft.metrics.cardinality.limit distinct values.")
            .labelNames("metric")
            .constLabels(constLabels)
            .withoutExemplars()
            .register(registry);

    // At 0 from the start, authentication on or off: rate() and alerts work without a gap, and
    // every agent exposes the same Weft families.
    this.scrapesRejected =
        Counter.builder()
            .name("weft_metrics_scrapes_rejected_total")
            .help(
                "Requests to Weft's /metrics server answered 401: without the user name and"
                    + " password of weft.metrics.auth.*.")
            .labelNames("reason")
            .constLabels(constLabels)
            .withoutExemplars()
            .register(registry)
            .labelValues("unauthorized");

    this.httpServer =
        new HttpServerMetrics(
            registry,
            constLabels,
            config.cardinalityLimit(),
            overflowOf("http_requests"));
    this.httpClient =
        new HttpClientMetrics(
            registry, constLabels, config.cardinalityLimit(), overflowOf("http_client_requests"));
    this.jdbc =
        new JdbcMetrics(
            registry, constLabels, config.cardinalityLimit(), overflowOf("db_client_operations"));
    this.pools = new PoolMetrics(registry, constLabels, errors);
    this.kafka =
        new KafkaMetrics(
            registry,
            constLabels,
            config.cardinalityLimit(),
            overflowOf("kafka_producer_records"),
            overflowOf("kafka_consumer_records"));
    this.dlq = new DlqMetrics(registry, constLabels);
    this.rpcServer =
        new RpcMetrics(
            registry,
            constLabels,
            config.cardinalityLimit(),
            overflowOf("rpc_server_requests"),
            "server",
            "RPCs served, by service, method and gRPC status code.",
            "Time from receiving an RPC's headers to its server closing it (a stream: its whole life).");
    this.rpcClient =
        new RpcMetrics(
            registry,
            constLabels,
            config.cardinalityLimit(),
            overflowOf("rpc_client_requests"),
            "client",
            "RPCs made, by service, method and gRPC status code.",
            "Time from starting an RPC to its close as the client sees it (a stream: its whole life).");
  }

  /** JVM and process metrics; reads MXBeans, so it runs off the application's start-up path. */
  public void registerJvmMetrics() {
    if (config.jvmMetrics()) {
      JvmMetrics.builder().constLabels(constLabels).register(registry);
    }
  }

  /**
   * Starts the Prometheus client's one scheduler thread (it resets exemplar rate limits) now, on
   * the calling thread. Left to itself, the client starts it at the first exemplar, on whatever
   * application thread records it, and the thread keeps that thread's context class loader for
   * the JVM's life: in a servlet container, a web application's loader, which could then never be
   * unloaded on redeploy. Call it from a thread whose context class loader is Weft's own.
   */
  public void startScheduler() {
    try {
      Scheduler.awaitInitialization();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  public PrometheusRegistry registry() {
    return registry;
  }

  /**
   * The registry as it is exposed: what /metrics serves and what push exporters send. Its
   * metrics are {@link #registry()}'s, under the names of the configured naming preset.
   */
  public PrometheusRegistry exposedRegistry() {
    return exposed;
  }

  public HttpServerMetrics httpServer() {
    return httpServer;
  }

  public HttpClientMetrics httpClient() {
    return httpClient;
  }

  public JdbcMetrics jdbc() {
    return jdbc;
  }

  public PoolMetrics pools() {
    return pools;
  }

  /** Registers the counter and histogram of one operation family (see the pipeline's families). */
  public NamedOutcomeMetrics namedOutcomes(NamedOutcomeMetrics.Shape shape) {
    return new NamedOutcomeMetrics(
        registry, constLabels, config.cardinalityLimit(), overflowOf(shape.counter), shape);
  }

  public KafkaMetrics kafka() {
    return kafka;
  }

  /** The server side of the RPC family. */
  public RpcMetrics rpcServer() {
    return rpcServer;
  }

  /** The client side of the RPC family. */
  public RpcMetrics rpcClient() {
    return rpcClient;
  }

  public DlqMetrics dlq() {
    return dlq;
  }

  /** A counter of Weft's own, on Weft's registry, with the constant labels. */
  public Counter.Builder counter(String name) {
    return Counter.builder().name(name).constLabels(constLabels).withoutExemplars();
  }

  public AgentErrors errors() {
    return errors;
  }

  /** weft_metrics_scrapes_rejected_total{reason="unauthorized"}. */
  CounterDataPoint scrapesRejected() {
    return scrapesRejected;
  }

  private CounterDataPoint overflowOf(String metric) {
    return labelOverflow.labelValues(metric);
  }

  /**
   * Starts the /metrics server ({@link MetricsServer}): one line in the log and null if it cannot
   * be served.
   *
   * @return the URL served, or null
   */
  public String startServer() {
    MetricsServer started = new MetricsServer(config, this);
    String url = started.start();
    if (url != null) {
      server = started;
    }
    return url;
  }

  public void stopServer() {
    MetricsServer s = server;
    if (s != null) {
      s.stop();
    }
  }

  private static Labels toLabels(Map<String, String> labels) {
    Labels.Builder b = Labels.builder();
    for (Map.Entry<String, String> e : labels.entrySet()) {
      b.label(e.getKey(), e.getValue());
    }
    return b.build();
  }

  /**
   * {@code target_info}: the service name and OTEL_RESOURCE_ATTRIBUTES, the way OpenTelemetry's
   * Prometheus exporters publish a resource, so dashboards can join on it.
   */
  private Info targetInfo(WeftConfig config) {
    return Info.builder()
        .name("target_info")
        .help("The service this JVM runs, with its resource attributes.")
        .labelNames(targetInfoNames(config).toArray(new String[0]))
        .constLabels(constLabels)
        .build();
  }

  private List<String> targetInfoNames(WeftConfig config) {
    List<String> names = new ArrayList<>();
    names.add("service_name");
    for (String key : config.resourceAttributes().keySet()) {
      String name = sanitize(key);
      if (!names.contains(name) && !config.constantLabels().containsKey(name)) {
        names.add(name);
      }
    }
    return names;
  }

  private String[] targetInfoValues(WeftConfig config) {
    List<String> names = targetInfoNames(config);
    String[] values = new String[names.size()];
    values[0] = config.serviceName();
    for (Map.Entry<String, String> e : config.resourceAttributes().entrySet()) {
      int i = names.indexOf(sanitize(e.getKey()));
      if (i > 0 && values[i] == null) {
        values[i] = e.getValue();
      }
    }
    return values;
  }

  /** Resource attribute keys (service.name) become label names (service_name). */
  static String sanitize(String key) {
    StringBuilder b = new StringBuilder(key.length() + 1);
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'
          || (i > 0 && c >= '0' && c <= '9');
      b.append(ok ? c : '_');
    }
    String name = b.length() == 0 ? "_" : b.toString();
    return name.startsWith("__") ? "x" + name : name;
  }
}
