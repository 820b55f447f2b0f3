package dev.weft.runtime.core.config;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * Every key Weft reads, with its default and the values it accepts. docs/configuration.md's table
 * is this list; {@code java -jar weft-agent.jar config} prints it.
 */
public enum ConfigKey {
  ENABLED("weft.enabled", "true", "true, false", "Switches the whole agent on or off."),
  SERVICE_NAME(
      "weft.service.name",
      "OTEL_SERVICE_NAME, else service.name in OTEL_RESOURCE_ATTRIBUTES, else unknown_service:java",
      "any non-empty text",
      "The service's name, reported in target_info."),
  METRICS_ENABLED(
      "weft.metrics.enabled", "true", "true, false", "Serves /metrics and records metrics."),
  METRICS_HOST(
      "weft.metrics.host",
      "0.0.0.0",
      "a host name or IP address of this machine",
      "Interface the /metrics server listens on: 0.0.0.0 is every interface of the machine or"
          + " pod, 127.0.0.1 only local scrapers (docs/operating.md, \"Who can read /metrics\")."),
  METRICS_PORT(
      "weft.metrics.port",
      "9464",
      "an integer 0-65535 (0 picks a free port)",
      "Port of the /metrics server. If it is taken, Weft logs one line and the app runs on."),
  METRICS_AUTH_USERNAME(
      "weft.metrics.auth.username",
      "(none: no authentication)",
      "any non-empty text without ':'; set together with a password",
      "User name a scraper must send (HTTP basic authentication) to read /metrics, /-/healthy"
          + " and /; other requests get 401 and count in weft_metrics_scrapes_rejected_total."),
  METRICS_AUTH_PASSWORD(
      "weft.metrics.auth.password",
      "(none)",
      "any non-empty text; set together with weft.metrics.auth.username, or use the .file key",
      "Password of weft.metrics.auth.username. Never logged."),
  METRICS_AUTH_PASSWORD_FILE(
      "weft.metrics.auth.password.file",
      "(none)",
      "the path of a readable file holding the password (one trailing line break is dropped)",
      "Reads the password from a file (a mounted secret), so it is not on the command line."),
  METRICS_TLS_KEYSTORE(
      "weft.metrics.tls.keystore",
      "(none: plain HTTP)",
      "the path of a PKCS12 (or JKS) keystore holding one private key and its certificate chain",
      "Serves /metrics over HTTPS with this key. If it cannot be read, /metrics is not served at"
          + " all (one line in the log) and the app runs on."),
  METRICS_TLS_KEYSTORE_PASSWORD(
      "weft.metrics.tls.keystore.password",
      "(none)",
      "the keystore's password (also its key's); required with weft.metrics.tls.keystore, or use"
          + " the .file key",
      "Password of the keystore. Never logged."),
  METRICS_TLS_KEYSTORE_PASSWORD_FILE(
      "weft.metrics.tls.keystore.password.file",
      "(none)",
      "the path of a readable file holding the keystore password (one trailing line break is"
          + " dropped)",
      "Reads the keystore password from a file, so it is not on the command line."),
  METRICS_TLS_KEYSTORE_TYPE(
      "weft.metrics.tls.keystore.type",
      "pkcs12",
      "pkcs12, jks",
      "Format of weft.metrics.tls.keystore."),
  METRICS_LABELS(
      "weft.metrics.labels",
      "(none)",
      "comma-separated name=value pairs, names matching [a-zA-Z_][a-zA-Z0-9_]* and not used by"
          + " Weft's own labels",
      "Constant labels added to every series, e.g. region=eu-west-1,cluster=blue."),
  METRICS_JVM(
      "weft.metrics.jvm.enabled",
      "true",
      "true, false",
      "JVM and process metrics from Prometheus client_java."),
  METRICS_NAMING(
      "weft.metrics.naming",
      "prometheus",
      "prometheus, otel, micrometer",
      "The names and labels metrics are exposed under: Weft's Prometheus-native ones, the"
          + " OpenTelemetry semantic conventions' as OpenTelemetry's Prometheus exporter renders"
          + " them, or Spring Boot's Micrometer ones (docs/metrics.md has each preset's table)."),
  CARDINALITY_LIMIT(
      "weft.metrics.cardinality.limit",
      "1000",
      "an integer 1-1000000",
      "Most distinct values of an open-ended label (endpoint, table, ...) per metric; further"
          + " values are recorded as _other_ and counted in weft_label_overflow_total."),
  MODULES_DISABLED(
      "weft.modules.disabled",
      "(none)",
      "comma-separated module names (java -jar weft-agent.jar lists them)",
      "Instrumentation modules that are not applied."),
  EXTENSIONS(
      "weft.extensions",
      "(none)",
      "comma-separated paths of extension jars or folders holding them",
      "Extra instrumentation modules written against the OpenTelemetry extension API."),
  TRACES_ENABLED(
      "weft.traces.enabled",
      "true",
      "true, false",
      "false switches tracing off entirely: no spans, no trace context read, carried or"
          + " propagated, no ids in log lines."),
  TRACES_EXPORTER(
      "otel.traces.exporter",
      "otlp",
      "otlp, zipkin, none",
      "Where spans go. none exports no span, but the caller's trace context is still continued:"
          + " propagated to downstream calls, carried across threads and put into log lines."),
  TRACES_SAMPLER(
      "otel.traces.sampler",
      "parentbased_always_on",
      "always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off,"
          + " parentbased_traceidratio",
      "Which traces are recorded; parentbased_* follow the caller's decision."),
  TRACES_SAMPLER_ARG(
      "otel.traces.sampler.arg",
      "1.0",
      "a number from 0 to 1",
      "The ratio of the traceidratio samplers, e.g. 0.1 for 10%."),
  OTLP_ENDPOINT(
      "otel.exporter.otlp.endpoint",
      "http://localhost:4318 (http/protobuf), http://localhost:4317 (grpc)",
      "an http:// or https:// URL",
      "The OTLP receiver (collector, Tempo, Jaeger); /v1/traces is appended for http/protobuf."),
  OTLP_TRACES_ENDPOINT(
      "otel.exporter.otlp.traces.endpoint",
      "(from otel.exporter.otlp.endpoint)",
      "an http:// or https:// URL",
      "The full URL spans are sent to; wins over otel.exporter.otlp.endpoint."),
  OTLP_PROTOCOL(
      "otel.exporter.otlp.protocol",
      "http/protobuf",
      "http/protobuf, grpc",
      "The OTLP transport (otel.exporter.otlp.traces.protocol wins over it)."),
  OTLP_TRACES_PROTOCOL(
      "otel.exporter.otlp.traces.protocol",
      "(from otel.exporter.otlp.protocol)",
      "http/protobuf, grpc",
      "The OTLP transport for spans."),
  OTLP_HEADERS(
      "otel.exporter.otlp.headers",
      "(none)",
      "comma-separated key=value pairs",
      "Headers sent with every export, e.g. authorization tokens of a hosted backend."),
  OTLP_TIMEOUT(
      "otel.exporter.otlp.timeout",
      "10000",
      "milliseconds, an integer 1-600000",
      "How long one export may take."),
  OTLP_COMPRESSION(
      "otel.exporter.otlp.compression",
      "none",
      "none, gzip",
      "Compression of OTLP exports."),
  ZIPKIN_ENDPOINT(
      "otel.exporter.zipkin.endpoint",
      "http://localhost:9411/api/v2/spans",
      "an http:// or https:// URL",
      "The Zipkin collector, when otel.traces.exporter=zipkin."),
  BSP_MAX_QUEUE(
      "otel.bsp.max.queue.size",
      "2048",
      "an integer 1-1000000",
      "Spans waiting for export; when full, new spans are dropped and counted in"
          + " weft_spans_dropped_total."),
  BSP_MAX_BATCH(
      "otel.bsp.max.export.batch.size",
      "512",
      "an integer 1-1000000, at most otel.bsp.max.queue.size",
      "Spans per export request."),
  BSP_SCHEDULE_DELAY(
      "otel.bsp.schedule.delay",
      "5000",
      "milliseconds, an integer 0-600000",
      "Longest wait between two exports."),
  BSP_EXPORT_TIMEOUT(
      "otel.bsp.export.timeout",
      "30000",
      "milliseconds, an integer 1-600000",
      "Longest wait for one export before its spans count as dropped."),
  // Metrics push (docs/metrics.md, "Pushing metrics"): what /metrics serves, sent to an OTLP
  // receiver and/or a Prometheus Pushgateway.
  METRICS_SERVER_ENABLED(
      "weft.metrics.server.enabled",
      "true",
      "true, false",
      "Serves /metrics; false leaves only the push exporters (metrics are still recorded)."),
  METRICS_EXPORTER(
      "otel.metrics.exporter",
      "prometheus",
      "comma-separated prometheus, otlp; or none",
      "otlp pushes the metrics /metrics serves to an OTLP receiver as well; prometheus (the"
          + " /metrics endpoint) is always on unless weft.metrics.server.enabled=false."),
  OTLP_METRICS_ENDPOINT(
      "otel.exporter.otlp.metrics.endpoint",
      "(from otel.exporter.otlp.endpoint)",
      "an http:// or https:// URL",
      "The full URL metrics are pushed to; /v1/metrics is appended to otel.exporter.otlp.endpoint"
          + " for http/protobuf."),
  OTLP_METRICS_PROTOCOL(
      "otel.exporter.otlp.metrics.protocol",
      "(from otel.exporter.otlp.protocol)",
      "http/protobuf, grpc",
      "The OTLP transport for metrics."),
  OTLP_METRICS_HEADERS(
      "otel.exporter.otlp.metrics.headers",
      "(from otel.exporter.otlp.headers)",
      "comma-separated key=value pairs",
      "Headers sent with every metrics export; win over otel.exporter.otlp.headers."),
  OTLP_METRICS_TIMEOUT(
      "otel.exporter.otlp.metrics.timeout",
      "(from otel.exporter.otlp.timeout)",
      "milliseconds, an integer 1-600000",
      "How long one metrics export may take, also the final one at JVM exit."),
  OTLP_METRICS_COMPRESSION(
      "otel.exporter.otlp.metrics.compression",
      "(from otel.exporter.otlp.compression)",
      "none, gzip",
      "Compression of OTLP metrics exports."),
  METRIC_EXPORT_INTERVAL(
      "otel.metric.export.interval",
      "60000",
      "milliseconds, an integer 100-86400000",
      "Time between two OTLP metrics pushes; one more is sent at JVM exit."),
  PUSHGATEWAY_URL(
      "weft.metrics.pushgateway.url",
      "(none: no push)",
      "an http:// or https:// URL, e.g. http://pushgateway:9091",
      "A Prometheus Pushgateway that receives what /metrics serves at JVM exit (for batch jobs)."),
  PUSHGATEWAY_JOB(
      "weft.metrics.pushgateway.job",
      "the service name",
      "any non-empty text",
      "The job label of the pushed group (grouping key job=<job>, instance=<host name>)."),
  PUSHGATEWAY_INTERVAL(
      "weft.metrics.pushgateway.interval",
      "0",
      "milliseconds, an integer 0-86400000 (0: only at JVM exit)",
      "Time between two Pushgateway pushes while the JVM runs; one more is sent at exit."),
  DLQ_ENABLED(
      "weft.dlq.enabled",
      "true",
      "true, false",
      "Copies a Kafka record whose processing throws to its dead-letter topic."),
  DLQ_SUFFIX(
      "weft.dlq.topic.suffix",
      ".dlq",
      "a suffix of legal topic-name characters [a-zA-Z0-9._-]",
      "The dead-letter topic of a topic without a mapping: <topic><suffix>."),
  DLQ_TOPICS(
      "weft.dlq.topics",
      "(none)",
      "comma-separated topic=dead-letter-topic pairs",
      "Dead-letter topics chosen per topic, e.g. orders=orders-failed; they win over the suffix."),
  DLQ_HANDLERS(
      "weft.dlq.handlers",
      "(none)",
      "comma-separated Class#method names, e.g. com.acme.Orders#handle",
      "Application methods whose exception is a processing failure of the record the thread is"
          + " processing (for handlers that take the value or key rather than the record)."),
  DLQ_SPOOL_DIR(
      "weft.dlq.spool.dir",
      "<java.io.tmpdir>/weft-dlq/<service name>",
      "a directory path (created if missing; put it on a persistent volume)",
      "Where dead letters wait, on disk, until their topic acknowledges them."),
  DLQ_SPOOL_MAX_MB(
      "weft.dlq.spool.max.mb",
      "256",
      "an integer 1-1000000 (MiB)",
      "Largest size of the spool; a dead letter that would not fit is dropped and logged."),
  DLQ_BLOCK_MS(
      "weft.dlq.block.ms",
      "2000",
      "milliseconds, an integer 0-600000",
      "Longest time the consumer thread waits for a failed record to be safely on disk."),
  DLQ_ACK_TIMEOUT_MS(
      "weft.dlq.ack.timeout.ms",
      "5000",
      "milliseconds, an integer 100-600000",
      "Time the broker has to acknowledge a dead letter before it counts as spooled."),
  DLQ_SHUTDOWN_MS(
      "weft.dlq.shutdown.ms",
      "5000",
      "milliseconds, an integer 0-600000",
      "On a normal JVM exit, how long pending dead letters get to be acknowledged; the rest stay"
          + " in the spool for the next start."),
  DLQ_CREATE_TOPICS(
      "weft.dlq.create.topics",
      "true",
      "true, false",
      "Creates a missing dead-letter topic, with the partition count of the original topic."),
  LOGS_FORMAT(
      "weft.logs.format",
      "plain",
      "plain, json",
      "Console output of Logback, Log4j2 and JUL: the application's own format (plain), or one"
          + " JSON object per line (json)."),
  LOGS_TRACE_ID_KEY(
      "weft.logs.trace_id.key",
      "trace_id",
      "1-64 characters of [a-zA-Z0-9_.-], unlike the other two keys",
      "MDC / context-data key of the current trace id (32 hex digits)."),
  LOGS_SPAN_ID_KEY(
      "weft.logs.span_id.key",
      "span_id",
      "1-64 characters of [a-zA-Z0-9_.-], unlike the other two keys",
      "MDC / context-data key of the current span id (16 hex digits)."),
  LOGS_TRACE_FLAGS_KEY(
      "weft.logs.trace_flags.key",
      "trace_flags",
      "1-64 characters of [a-zA-Z0-9_.-], unlike the other two keys",
      "MDC / context-data key of the current trace flags (01 sampled, 00 not)."),
  DEBUG("weft.debug", "false", "true, false", "Logs every class Weft transforms."),
  CONFIG_FILE(
      "weft.config.file",
      "(none)",
      "the path of a readable Java properties file",
      "A file of weft.* keys; system properties and WEFT_* variables win over it.");

  private final String key;
  private final String defaultValue;
  private final String accepted;
  private final String description;

  ConfigKey(String key, String defaultValue, String accepted, String description) {
    this.key = key;
    this.defaultValue = defaultValue;
    this.accepted = accepted;
    this.description = description;
  }

  public String key() {
    return key;
  }

  /** The environment variable that sets this key: weft.metrics.port is WEFT_METRICS_PORT. */
  public String envName() {
    return envName(key);
  }

  public String defaultValue() {
    return defaultValue;
  }

  public String accepted() {
    return accepted;
  }

  public String description() {
    return description;
  }

  public static String envName(String key) {
    return key.toUpperCase(java.util.Locale.ROOT).replace('.', '_');
  }

  public static ConfigKey byKey(String key) {
    for (ConfigKey k : values()) {
      if (k.key.equals(key)) {
        return k;
      }
    }
    return null;
  }

  public static List<ConfigKey> all() {
    return Collections.unmodifiableList(Arrays.asList(values()));
  }
}
