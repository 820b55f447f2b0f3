package dev.weft.runtime.trace;

import dev.weft.bootstrap.ContextBridge;
import dev.weft.runtime.core.AgentErrors;
import dev.weft.runtime.core.config.TracingSettings;
import dev.weft.runtime.core.config.WeftConfig;
import io.opentelemetry.api.baggage.propagation.W3CBaggagePropagator;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.TracerProvider;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.ContextKey;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * Weft's tracing runtime: the OpenTelemetry SDK (relocated, so the application's own
 * OpenTelemetry is untouched), W3C trace context and baggage, and the bounded export pipeline.
 * With {@code otel.traces.exporter=none} no span is recorded, but the trace context a request
 * or message arrives with is continued: OpenTelemetry's no-op tracer hands out the caller's own
 * span context as each new span, so downstream calls and log lines carry the caller's ids and the
 * trace stays whole in the backend. With {@code weft.traces.enabled=false} nothing is built:
 * every start returns null at once.
 */
public final class Tracing {

  static final ContextKey<Boolean> SUPPRESS = ContextKey.named("weft-suppress-instrumentation");

  static final AttributeKey<String> METHOD = AttributeKey.stringKey("http.request.method");
  static final AttributeKey<String> SCHEME = AttributeKey.stringKey("url.scheme");
  static final AttributeKey<String> PATH = AttributeKey.stringKey("url.path");
  static final AttributeKey<String> FULL_URL = AttributeKey.stringKey("url.full");
  static final AttributeKey<String> SERVER_ADDRESS = AttributeKey.stringKey("server.address");
  static final AttributeKey<Long> SERVER_PORT = AttributeKey.longKey("server.port");

  static final AttributeKey<String> DB_SYSTEM = AttributeKey.stringKey("db.system");
  static final AttributeKey<String> DB_OPERATION = AttributeKey.stringKey("db.operation.name");
  static final AttributeKey<String> DB_COLLECTION = AttributeKey.stringKey("db.collection.name");
  static final AttributeKey<String> DB_QUERY_TEXT = AttributeKey.stringKey("db.query.text");
  static final AttributeKey<String> DB_NAMESPACE = AttributeKey.stringKey("db.namespace");
  static final AttributeKey<String> MESSAGING_SYSTEM = AttributeKey.stringKey("messaging.system");
  static final AttributeKey<String> MESSAGING_DESTINATION =
      AttributeKey.stringKey("messaging.destination.name");
  static final AttributeKey<String> MESSAGING_OPERATION_TYPE =
      AttributeKey.stringKey("messaging.operation.type");
  static final AttributeKey<String> MESSAGING_GROUP =
      AttributeKey.stringKey("messaging.consumer.group.name");
  static final AttributeKey<String> MESSAGING_PARTITION =
      AttributeKey.stringKey("messaging.destination.partition.id");
  static final AttributeKey<Long> MESSAGING_OFFSET = AttributeKey.longKey("messaging.kafka.offset");

  static final AttributeKey<String> RPC_SYSTEM = AttributeKey.stringKey("rpc.system");
  static final AttributeKey<String> RPC_SERVICE = AttributeKey.stringKey("rpc.service");
  static final AttributeKey<String> RPC_METHOD = AttributeKey.stringKey("rpc.method");

  /** Longest header value Weft reads; longer traceparent/tracestate/baggage are ignored. */
  static final int MAX_HEADER = 8192;

  private static final Tracing DISABLED = new Tracing(null, null, null, null);

  private final SdkTracerProvider provider; // null unless spans are recorded
  private final Tracer tracer; // null when tracing is off
  private final boolean recording;
  private final TextMapPropagator baggagePropagator = W3CBaggagePropagator.getInstance();
  private final ExportPipeline pipeline;
  private final ContextBridge contextBridge;

  private Tracing(
      SdkTracerProvider provider, Tracer tracer, ExportPipeline pipeline, AgentErrors errors) {
    this.provider = provider;
    this.pipeline = pipeline;
    this.tracer = tracer;
    this.recording = provider != null;
    this.contextBridge = tracer == null ? ContextBridge.NOOP : new OtelContextBridge(errors);
    if (tracer != null) {
      quietBaggageParser();
      loadPropagationClasses();
    }
  }

  /** Held so that the level set on it stays (java.util.logging keeps loggers weakly). */
  private static volatile java.util.logging.Logger baggageParserLogger;

  /**
   * OpenTelemetry's baggage parser logs a warning with a stack trace for each badly encoded
   * member it reads: any client could write one into the application's console per request. A
   * {@code baggage} value Weft cannot read is ignored quietly, as bad input is.
   */
  private static void quietBaggageParser() {
    java.util.logging.Logger logger =
        java.util.logging.Logger.getLogger(W3CBaggagePropagator.class.getPackage().getName());
    logger.setLevel(java.util.logging.Level.OFF);
    baggageParserLogger = logger;
  }

  private Tracing(SdkTracerProvider provider, ExportPipeline pipeline, AgentErrors errors) {
    this(provider, provider.get("dev.weft"), pipeline, errors);
  }

  /**
   * Tracing that records nothing and passes the caller's context through (exporter none): each
   * span it starts is the incoming span context itself, never a new id.
   */
  public static Tracing passThrough(AgentErrors errors) {
    return new Tracing(null, TracerProvider.noop().get("dev.weft"), null, errors);
  }

  /**
   * Reads a traceparent, with and without tracestate and baggage, on the thread that starts Weft,
   * so that the propagators' classes are loaded now rather than by the first traced requests: on
   * virtual threads a class load that waits for another thread's load of the same class pins the
   * carrier (JFR showed it in the baggage propagator under 500 first requests at once).
   */
  private void loadPropagationClasses() {
    try {
      String traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
      inject(incoming(traceparent, "weft=1", "weft=1"));
      inject(incoming(traceparent, null, null));
    } catch (Throwable t) {
      // Only an early class load was missed: the first requests load them instead.
    }
  }

  public static Tracing disabled() {
    return DISABLED;
  }

  /** Builds the SDK for this configuration; the exporter is created by {@code exporters}. */
  public static Tracing create(
      WeftConfig config, SpanExporter exporter, DroppedSpans dropped, AgentErrors errors) {
    return create(config, () -> exporter, dropped, errors);
  }

  /** As above, with the exporter built on the export thread when the first batch is ready. */
  public static Tracing create(
      WeftConfig config,
      java.util.function.Supplier<SpanExporter> exporter,
      DroppedSpans dropped,
      AgentErrors errors) {
    TracingSettings settings = config.tracing();
    if (!settings.enabled()) {
      return DISABLED;
    }
    if (!settings.exporting() || exporter == null) {
      return passThrough(errors);
    }
    ExportPipeline pipeline = new ExportPipeline(exporter, settings, dropped, errors);
    SdkTracerProvider provider =
        SdkTracerProvider.builder()
            .setResource(resource(config))
            .setSampler(sampler(settings))
            .addSpanProcessor(pipeline)
            .build();
    return new Tracing(provider, pipeline, errors);
  }

  /**
   * Spans handed to {@code processor} as they end, on the thread that ends them, with no queue:
   * for the in-process module tests, which read them right after the call under test.
   */
  public static Tracing withProcessor(WeftConfig config, SpanProcessor processor, AgentErrors errors) {
    SdkTracerProvider provider =
        SdkTracerProvider.builder()
            .setResource(resource(config))
            .setSampler(sampler(config.tracing()))
            .addSpanProcessor(processor)
            .build();
    return new Tracing(provider, null, errors);
  }

  /** Whether trace context is handled (spans started, recorded or passed through). */
  public boolean enabled() {
    return tracer != null;
  }

  /** Whether spans are recorded and exported (false when the caller's context only passes). */
  public boolean recording() {
    return recording;
  }

  public ContextBridge contextBridge() {
    return contextBridge;
  }

  /** True inside Weft's own export: its traffic is never recorded. */
  public boolean suppressed() {
    return (tracer != null || unrecordedInUse) && Context.current().get(SUPPRESS) != null;
  }

  /** Set once {@link #unrecorded} is used: then even without a tracer the mark is looked for. */
  private static volatile boolean unrecordedInUse;

  /**
   * {@code task} run as Weft's own traffic (the metrics push's HTTP calls): the calls it makes
   * through instrumented clients are neither counted nor traced, with or without tracing.
   */
  public static Runnable unrecorded(Runnable task) {
    unrecordedInUse = true;
    return () -> {
      try (Scope ignored = Context.root().with(SUPPRESS, Boolean.TRUE).makeCurrent()) {
        task.run();
      }
    };
  }

  /**
   * The context a received request or message continues: the W3C values it carries (any may be
   * null), or a new trace's root when it carries none.
   */
  private Context incoming(String traceparent, String tracestate, String baggage) {
    if (traceparent == null && baggage == null) {
      return Context.root();
    }
    Context context = Context.root();
    W3cParent parent = W3cParent.parse(traceparent, tracestate);
    if (parent != null) {
      context = context.with(Span.wrap(parent.spanContext())).with(W3cParent.KEY, parent);
    }
    if (baggage != null && baggage.length() <= MAX_HEADER) {
      context = baggagePropagator.extract(context, baggage, BAGGAGE);
    }
    return context;
  }

  public ServerSpan startServer(
      String method,
      String endpoint,
      String scheme,
      String path,
      String traceparent,
      String tracestate,
      String baggage) {
    if (tracer == null) {
      return null;
    }
    Context parent = incoming(traceparent, tracestate, baggage);
    Span span = begin(method, parent, SpanKind.SERVER);
    if (span.isRecording()) {
      if (endpoint != null) {
        span.updateName(method + " " + endpoint);
      }
      serverAttributes(span, method, scheme, path, endpoint);
    }
    Scope scope = child(parent, span).makeCurrent();
    return new ServerSpan(span, scope, method);
  }

  /**
   * Starts a span with only its kind and parent. Its name and attributes are set by the caller
   * once the span is known to record: Weft's samplers (always, ratio, parent-based) decide on the
   * trace id and the parent alone, so a span that is not sampled (90% of requests with a ratio of
   * 0.1) never builds them.
   */
  private Span begin(String name, Context parent, SpanKind kind) {
    return tracer.spanBuilder(name).setParent(parent).setSpanKind(kind).startSpan();
  }

  /**
   * The context of {@code span}, started under {@code parent}. A span with no parent starts a
   * trace: its id is random (the SDK's generator), which the W3C random flag says downstream.
   */
  private static Context child(Context parent, Span span) {
    Context context = parent.with(span);
    if (!Span.fromContext(parent).getSpanContext().isValid()) {
      SpanContext started = span.getSpanContext();
      if (started.isValid()) {
        context = context.with(W3cParent.KEY, W3cParent.startedHere(started.getTraceId()));
      }
    }
    return context;
  }

  private static void serverAttributes(
      Span span, String method, String scheme, String path, String endpoint) {
    if (method != null) {
      span.setAttribute(METHOD, method);
    }
    if (scheme != null) {
      span.setAttribute(SCHEME, scheme);
    }
    if (path != null) {
      span.setAttribute(PATH, path.length() > MAX_HEADER ? path.substring(0, MAX_HEADER) : path);
    }
    if (endpoint != null) {
      span.setAttribute(ServerSpan.ROUTE, endpoint);
    }
  }

  public ClientSpan startClient(String method, String scheme, String host, int port, String path) {
    if (tracer == null) {
      return null;
    }
    Context parent = Context.current();
    Span span = begin(method == null ? "HTTP" : method, parent, SpanKind.CLIENT);
    if (!span.isRecording()) {
      return new ClientSpan(span, child(parent, span), this);
    }
    if (method != null) {
      span.setAttribute(METHOD, method);
    }
    if (host != null) {
      span.setAttribute(SERVER_ADDRESS, host);
      if (port > 0) {
        span.setAttribute(SERVER_PORT, (long) port);
      }
      if (scheme != null) {
        span.setAttribute(
            FULL_URL,
            scheme + "://" + host + (port > 0 ? ":" + port : "") + (path == null ? "" : path));
      }
    }
    return new ClientSpan(span, child(parent, span), this);
  }

  /**
   * Starts the SERVER span of an RPC named {@code name} (the full method name,
   * {@code package.Service/Method}), a child of the W3C context its metadata carries (a new
   * trace without one). The span is not made current here: an RPC's callbacks run on the
   * server's executor threads, each of which makes {@link RpcSpan#context()} current while it
   * runs. Null when tracing is off.
   */
  public RpcSpan startRpcServer(
      String system,
      String name,
      String service,
      String method,
      String traceparent,
      String tracestate,
      String baggage) {
    if (tracer == null) {
      return null;
    }
    Context parent = incoming(traceparent, tracestate, baggage);
    Span span = begin(name, parent, SpanKind.SERVER);
    if (span.isRecording()) {
      span.setAttribute(RPC_SYSTEM, system);
      span.setAttribute(RPC_SERVICE, service);
      span.setAttribute(RPC_METHOD, method);
    }
    return new RpcSpan(span, child(parent, span), this, true);
  }

  /**
   * Starts the CLIENT span of an RPC, a child of the current context, to {@code host:port} (host
   * null, port -1 when unknown). Null when tracing is off.
   */
  public RpcSpan startRpcClient(
      String system, String name, String service, String method, String host, int port) {
    if (tracer == null) {
      return null;
    }
    Context parent = Context.current();
    Span span = begin(name, parent, SpanKind.CLIENT);
    if (span.isRecording()) {
      span.setAttribute(RPC_SYSTEM, system);
      span.setAttribute(RPC_SERVICE, service);
      span.setAttribute(RPC_METHOD, method);
      if (host != null && !host.isEmpty()) {
        span.setAttribute(SERVER_ADDRESS, host);
        if (port > 0) {
          span.setAttribute(SERVER_PORT, (long) port);
        }
      }
    }
    return new RpcSpan(span, child(parent, span), this, false);
  }

  /**
   * Starts the span of a database operation, a child of the current context (the request's span
   * while a request is served). Null when tracing is off.
   *
   * @param queryText the statement with its literals replaced by {@code ?}; never the raw SQL
   */
  public DbSpan startDb(
      String system, String operation, String table, String queryText, String host, int port) {
    return startDb(system, operation, table, queryText, host, port, null);
  }

  /**
   * Like {@link #startDb(String, String, String, String, String, int)}, with the database
   * namespace ({@code db.namespace}: a database name or number).
   */
  public DbSpan startDb(
      String system,
      String operation,
      String table,
      String queryText,
      String host,
      int port,
      String namespace) {
    if (tracer == null) {
      return null;
    }
    Span span = begin(operation, Context.current(), SpanKind.CLIENT);
    if (!span.isRecording()) {
      return new DbSpan(span);
    }
    span.setAttribute(DB_SYSTEM, system);
    span.setAttribute(DB_OPERATION, operation);
    if (namespace != null) {
      span.setAttribute(DB_NAMESPACE, namespace);
    }
    if (table != null && !table.isEmpty()) {
      span.setAttribute(DB_COLLECTION, table);
    }
    if (queryText != null && !queryText.isEmpty()) {
      span.setAttribute(DB_QUERY_TEXT, queryText);
    }
    if (host != null && !host.isEmpty()) {
      span.setAttribute(SERVER_ADDRESS, host);
      if (port > 0) {
        span.setAttribute(SERVER_PORT, (long) port);
      }
    }
    if (table != null && !table.isEmpty()) {
      span.updateName(operation + " " + table);
    }
    return new DbSpan(span);
  }

  /** The PRODUCER span of a record sent to {@code topic}, a child of the current context. */
  public MessagingSpan startProducer(String system, String topic) {
    if (tracer == null) {
      return null;
    }
    Context parent = Context.current();
    Span span = begin("publish", parent, SpanKind.PRODUCER);
    if (span.isRecording()) {
      span.updateName(topic + " publish");
      span.setAttribute(MESSAGING_SYSTEM, system);
      span.setAttribute(MESSAGING_DESTINATION, topic);
      span.setAttribute(MESSAGING_OPERATION_TYPE, "publish");
    }
    return new MessagingSpan(span, child(parent, span), null, this);
  }

  /**
   * The CONSUMER span of processing one record, a child of the context its headers carry (a new
   * trace without them), made current on this thread until it ends.
   */
  public MessagingSpan startProcess(
      String system,
      String topic,
      String group,
      int partition,
      long offset,
      String traceparent,
      String tracestate) {
    if (tracer == null) {
      return null;
    }
    Context parent = incoming(traceparent, tracestate, null);
    Span span = begin("process", parent, SpanKind.CONSUMER);
    if (!span.isRecording()) {
      Context context = child(parent, span);
      return new MessagingSpan(span, context, context.makeCurrent(), this);
    }
    span.updateName(topic + " process");
    span.setAttribute(MESSAGING_SYSTEM, system);
    span.setAttribute(MESSAGING_DESTINATION, topic);
    span.setAttribute(MESSAGING_OPERATION_TYPE, "process");
    span.setAttribute(MESSAGING_PARTITION, Integer.toString(partition));
    span.setAttribute(MESSAGING_OFFSET, offset);
    if (group != null && !group.isEmpty()) {
      span.setAttribute(MESSAGING_GROUP, group);
    }
    Context context = child(parent, span);
    return new MessagingSpan(span, context, context.makeCurrent(), this);
  }

  /**
   * The context of the span current on this thread when it is valid (sampled or not), else null.
   * Log enrichment reads its ids.
   */
  public SpanContext currentSpanContext() {
    if (tracer == null) {
      return null;
    }
    Span span = Span.fromContextOrNull(Context.current());
    if (span == null) {
      return null;
    }
    SpanContext context = span.getSpanContext();
    return context.isValid() ? context : null;
  }

  /** The W3C headers of the current context (name, value pairs; none without a span), or null. */
  public String[] currentHeaders() {
    return tracer == null ? null : inject(Context.current());
  }

  /**
   * The W3C headers that carry {@code context} on: {@code traceparent} of its span, with the
   * caller's {@code tracestate} and random flag while the caller's trace goes on (a trace Weft
   * started has a random id, so the flag is set), then {@code baggage}.
   */
  String[] inject(Context context) {
    List<String> out = new ArrayList<>(6);
    SpanContext span = Span.fromContext(context).getSpanContext();
    if (span.isValid()) {
      W3cParent parent = context.get(W3cParent.KEY);
      boolean continued = parent != null && parent.traceId.equals(span.getTraceId());
      boolean random = continued && parent.random();
      out.add("traceparent");
      out.add(
          W3cParent.traceparent(
              span, (span.isSampled() ? W3cParent.SAMPLED : 0) | (random ? W3cParent.RANDOM : 0)));
      if (continued && parent.tracestate != null) {
        out.add("tracestate");
        out.add(parent.tracestate);
      }
    }
    baggagePropagator.inject(
        context,
        out,
        (carrier, key, value) -> {
          carrier.add(key);
          carrier.add(value);
        });
    return out.toArray(new String[0]);
  }

  /** Exports what is queued and stops; called from the shutdown hook. */
  public void shutdown() {
    if (provider != null) {
      provider.shutdown().join(5, java.util.concurrent.TimeUnit.SECONDS);
    }
  }

  static Resource resource(WeftConfig config) {
    AttributesBuilder b = Attributes.builder();
    for (Map.Entry<String, String> e : config.resourceAttributes().entrySet()) {
      b.put(e.getKey(), e.getValue());
    }
    for (Map.Entry<String, String> e : config.constantLabels().entrySet()) {
      b.put(e.getKey(), e.getValue());
      if (e.getKey().equals("environment")) {
        b.put("deployment.environment", e.getValue());
      }
    }
    b.put("service.name", config.serviceName());
    b.put("telemetry.distro.name", "weft");
    return Resource.getDefault().merge(Resource.create(b.build()));
  }

  static Sampler sampler(TracingSettings s) {
    switch (s.sampler) {
      case "always_on":
        return Sampler.alwaysOn();
      case "always_off":
        return Sampler.alwaysOff();
      case "traceidratio":
        return Sampler.traceIdRatioBased(s.samplerRatio);
      case "parentbased_always_off":
        return Sampler.parentBased(Sampler.alwaysOff());
      case "parentbased_traceidratio":
        return Sampler.parentBased(Sampler.traceIdRatioBased(s.samplerRatio));
      case "parentbased_always_on":
      default:
        return Sampler.parentBased(Sampler.alwaysOn());
    }
  }

  /** A received {@code baggage} value as the baggage propagator reads it. */
  private static final TextMapGetter<String> BAGGAGE =
      new TextMapGetter<String>() {
        @Override
        public Iterable<String> keys(String carrier) {
          return Collections.emptyList();
        }

        @Override
        public String get(String carrier, String key) {
          return "baggage".equals(key) ? carrier : null;
        }
      };

  /** The context bridge over OpenTelemetry's Context. */
  private static final class OtelContextBridge extends ContextBridge {
    private final AgentErrors errors;

    OtelContextBridge(AgentErrors errors) {
      this.errors = errors;
      loadScopeClasses();
    }

    /**
     * Attaches a context, then the same one again, and detaches both, here on the thread that
     * starts Weft: the classes of both kinds of scope are loaded now. Loaded lazily, the first
     * requests would load them, and on virtual threads a class load that waits for another
     * thread's load of the same class pins the carrier (the VM's call into the class loader is on
     * the stack): JFR showed exactly that for the second kind under 500 first requests at once.
     */
    private static void loadScopeClasses() {
      Context context = Context.root().with(WARM_UP, Boolean.TRUE);
      try (Scope outer = context.makeCurrent();
          Scope same = context.makeCurrent()) {
        Context.current();
      }
    }

    private static final ContextKey<Boolean> WARM_UP = ContextKey.named("weft-class-warm-up");

    @Override
    public Object current() {
      try {
        Context c = Context.current();
        return c == Context.root() ? null : c;
      } catch (Throwable t) {
        errors.internalFailure("context", "reading the current context", t);
        return null;
      }
    }

    @Override
    public Object attach(Object context) {
      try {
        return context instanceof Context ? ((Context) context).makeCurrent() : null;
      } catch (Throwable t) {
        errors.internalFailure("context", "attaching a context", t);
        return null;
      }
    }

    @Override
    public void detach(Object scope) {
      try {
        if (scope instanceof Scope) {
          ((Scope) scope).close();
        }
      } catch (Throwable t) {
        errors.internalFailure("context", "detaching a context", t);
      }
    }
  }
}
