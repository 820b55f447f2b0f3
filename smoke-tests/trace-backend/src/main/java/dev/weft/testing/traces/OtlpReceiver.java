package dev.weft.testing.traces;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCalls;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.zip.GZIPInputStream;

/**
 * An OTLP trace and metrics receiver in the test JVM, listening on a free loopback port: what a collector,
 * Tempo or Jaeger would be to the service under test, minus the storage.
 *
 * <ul>
 *   <li>{@link #startHttp()}: OTLP/HTTP with protobuf bodies, {@code POST /v1/traces} on a JDK
 *       {@code HttpServer}; gzip request bodies ({@code Content-Encoding: gzip}) are inflated. It
 *       answers 200 with an empty {@code ExportTraceServiceResponse}; a body that does not decode
 *       gets 400 and is kept in {@link #failures()}.
 *   <li>{@link #startGrpc()}: OTLP/gRPC, a real grpc-java server (Netty) serving {@code
 *       opentelemetry.proto.collector.trace.v1.TraceService/Export}; gRPC's own gzip message
 *       compression is understood.
 * </ul>
 *
 * <p>Every request is decoded with the official {@code opentelemetry-proto} classes and every
 * span kept, with its resource, until {@link #clear()}. Metrics exports ({@code POST /v1/metrics},
 * gRPC {@code MetricsService/Export}) are kept whole, in order of arrival ({@link
 * #metricExports()}). Use {@link #endpoint()} for {@code
 * otel.exporter.otlp.endpoint}.
 */
public final class OtlpReceiver implements AutoCloseable {

  /** The OTLP transport a receiver speaks. */
  public enum Protocol {
    HTTP_PROTOBUF("http/protobuf"),
    GRPC("grpc");

    private final String configValue;

    Protocol(String configValue) {
      this.configValue = configValue;
    }

    /** The value of {@code otel.exporter.otlp.protocol} for this transport. */
    public String configValue() {
      return configValue;
    }
  }

  /**
   * One export request as it arrived.
   *
   * @param headers request headers (gRPC: the ASCII metadata), names lower-cased, first value each
   * @param spans how many spans it carried
   */
  public record Request(Protocol protocol, String path, Map<String, String> headers, int spans) {
    public String contentType() {
      return headers.getOrDefault("content-type", "");
    }
  }

  static final String TRACES_PATH = "/v1/traces";
  static final String GRPC_SERVICE = "opentelemetry.proto.collector.trace.v1.TraceService";
  static final String METRICS_PATH = "/v1/metrics";
  static final String GRPC_METRICS_SERVICE =
      "opentelemetry.proto.collector.metrics.v1.MetricsService";
  private static final Duration POLL_INTERVAL = Duration.ofMillis(50);

  private final Protocol protocol;
  private final Object lock = new Object();
  private final List<ReceivedSpan> spans = new ArrayList<>();
  private final List<Request> requests = new ArrayList<>();
  private final List<String> failures = new ArrayList<>();
  private final List<ExportMetricsServiceRequest> metricExports = new ArrayList<>();
  /** While set, OTLP/HTTP requests are read and never answered (see {@link #hang}). */
  private volatile java.util.concurrent.CountDownLatch hanging;
  private HttpServer httpServer;
  private ExecutorService httpExecutor;
  private Server grpcServer;
  private int port;

  private OtlpReceiver(Protocol protocol) {
    this.protocol = protocol;
  }

  /** Starts an OTLP/HTTP (protobuf) receiver on a free loopback port. */
  public static OtlpReceiver startHttp() {
    return start(Protocol.HTTP_PROTOBUF);
  }

  /** Starts an OTLP/gRPC receiver on a free loopback port. */
  public static OtlpReceiver startGrpc() {
    return start(Protocol.GRPC);
  }

  public static OtlpReceiver start(Protocol protocol) {
    OtlpReceiver receiver = new OtlpReceiver(protocol);
    try {
      if (protocol == Protocol.GRPC) {
        receiver.startGrpcServer();
      } else {
        receiver.startHttpServer();
      }
    } catch (IOException | RuntimeException e) {
      receiver.close();
      throw new IllegalStateException(
          "OTLP receiver (" + protocol.configValue() + "): cannot listen on a loopback port: " + e,
          e);
    }
    return receiver;
  }

  public Protocol protocol() {
    return protocol;
  }

  public int port() {
    return port;
  }

  /**
   * The base URL to configure as {@code otel.exporter.otlp.endpoint}: {@code
   * http://127.0.0.1:<port>} (an OTLP/HTTP exporter appends {@code /v1/traces}).
   */
  public String endpoint() {
    return "http://127.0.0.1:" + port;
  }

  /** The full URL spans are posted to (OTLP/HTTP), or the gRPC endpoint. */
  public String tracesEndpoint() {
    return protocol == Protocol.GRPC ? endpoint() : endpoint() + TRACES_PATH;
  }

  /** Every span received so far, in order of arrival. */
  public List<ReceivedSpan> spans() {
    synchronized (lock) {
      return List.copyOf(spans);
    }
  }

  /** The spans received so far that match. */
  public List<ReceivedSpan> spans(Predicate<? super ReceivedSpan> filter) {
    synchronized (lock) {
      return spans.stream().filter(filter).collect(Collectors.toUnmodifiableList());
    }
  }

  /** How many export requests arrived (including ones that failed to decode). */
  public int requests() {
    synchronized (lock) {
      return requests.size();
    }
  }

  /** Every export request, in order of arrival. */
  public List<Request> receivedRequests() {
    synchronized (lock) {
      return List.copyOf(requests);
    }
  }

  /** The distinct Content-Type headers seen. */
  public Set<String> contentTypes() {
    synchronized (lock) {
      return requests.stream()
          .map(Request::contentType)
          .collect(Collectors.toCollection(LinkedHashSet::new));
    }
  }

  /** Every metrics export request received, decoded, in order of arrival. */
  public List<ExportMetricsServiceRequest> metricExports() {
    synchronized (lock) {
      return List.copyOf(metricExports);
    }
  }

  /**
   * Waits until a metrics export arrives that {@code accept} accepts, and returns it (the first
   * such, counting from the newest received when the call starts).
   *
   * @throws AssertionError at the deadline, naming how many exports did arrive
   */
  public ExportMetricsServiceRequest awaitMetricExport(
      Predicate<? super ExportMetricsServiceRequest> accept, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      List<ExportMetricsServiceRequest> exports = metricExports();
      for (int i = exports.size() - 1; i >= 0; i--) {
        if (accept.test(exports.get(i))) {
          return exports.get(i);
        }
      }
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError(
            "OTLP receiver (" + protocol.configValue() + ", " + endpoint() + "): no accepted"
                + " metrics export after " + timeout.toMillis() + " ms; " + exports.size()
                + " export(s) arrived; " + describe());
      }
      try {
        Thread.sleep(POLL_INTERVAL.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted while waiting for metrics", e);
      }
    }
  }

  /** Requests that could not be decoded, with why. */
  public List<String> failures() {
    synchronized (lock) {
      return List.copyOf(failures);
    }
  }

  /** Forgets every span, request and failure received so far. */
  public void clear() {
    synchronized (lock) {
      spans.clear();
      metricExports.clear();
      requests.clear();
      failures.clear();
    }
  }

  /**
   * Waits until at least {@code count} received spans match {@code filter} and returns all that
   * match (possibly more than {@code count}).
   *
   * @throws AssertionError at the deadline, naming what did arrive
   */
  public List<ReceivedSpan> awaitSpans(
      Predicate<? super ReceivedSpan> filter, int count, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      List<ReceivedSpan> matching = spans(filter);
      if (matching.size() >= count) {
        return matching;
      }
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError(
            "OTLP receiver (" + protocol.configValue() + ", " + endpoint() + "): " + matching.size()
                + " matching span(s) after " + timeout.toMillis() + " ms, wanted " + count + "; "
                + describe());
      }
      try {
        Thread.sleep(POLL_INTERVAL.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted while waiting for spans", e);
      }
    }
  }

  /** What arrived so far, for failure messages: counts, content types, the last few spans. */
  public String describe() {
    synchronized (lock) {
      StringBuilder s = new StringBuilder();
      s.append(requests.size()).append(" request(s), ").append(spans.size()).append(" span(s)");
      s.append(", ").append(metricExports.size()).append(" metrics export(s)");
      s.append(", content types ").append(contentTypes());
      if (!failures.isEmpty()) {
        s.append(", ").append(failures.size()).append(" undecodable: ").append(failures.get(0));
      }
      int from = Math.max(0, spans.size() - 5);
      for (ReceivedSpan span : spans.subList(from, spans.size())) {
        s.append("\n  ").append(span);
      }
      return s.toString();
    }
  }

  /**
   * From now on the receiver hangs, as a backend that accepts connections and never answers:
   * each OTLP/HTTP request is held, unanswered and not stored, until {@link #answer} (which
   * closes the held ones, still unanswered: their senders have given up on them by then).
   */
  public void hang() {
    hanging = new java.util.concurrent.CountDownLatch(1);
  }

  /** Ends {@link #hang}: requests are answered and stored again. */
  public void answer() {
    java.util.concurrent.CountDownLatch held = hanging;
    hanging = null;
    if (held != null) {
      held.countDown();
    }
  }

  @Override
  public void close() {
    answer();
    if (httpServer != null) {
      httpServer.stop(0);
      httpServer = null;
    }
    if (httpExecutor != null) {
      httpExecutor.shutdownNow();
      httpExecutor = null;
    }
    if (grpcServer != null) {
      grpcServer.shutdownNow();
      try {
        grpcServer.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      grpcServer = null;
    }
  }

  @Override
  public String toString() {
    return "OtlpReceiver[" + protocol.configValue() + " " + endpoint() + "]";
  }

  // ---------------------------------------------------------------------------------------------

  private void record(Request request, ExportTraceServiceRequest export) {
    List<ReceivedSpan> decoded = new ArrayList<>();
    for (ResourceSpans resourceSpans : export.getResourceSpansList()) {
      for (ScopeSpans scopeSpans : resourceSpans.getScopeSpansList()) {
        for (Span span : scopeSpans.getSpansList()) {
          decoded.add(
              ReceivedSpan.of(
                  resourceSpans.getResource(), scopeSpans.getScope().getName(), span));
        }
      }
    }
    synchronized (lock) {
      requests.add(
          new Request(request.protocol(), request.path(), request.headers(), decoded.size()));
      spans.addAll(decoded);
    }
  }

  private void recordMetrics(Request request, ExportMetricsServiceRequest export) {
    synchronized (lock) {
      requests.add(request);
      metricExports.add(export);
    }
  }

  private void recordFailure(Request request, String why) {
    synchronized (lock) {
      requests.add(request);
      failures.add(why);
    }
  }

  private void startHttpServer() throws IOException {
    httpServer = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
    httpExecutor =
        Executors.newFixedThreadPool(
            4,
            r -> {
              Thread t = new Thread(r, "otlp-receiver-http");
              t.setDaemon(true);
              return t;
            });
    httpServer.setExecutor(httpExecutor);
    httpServer.createContext(TRACES_PATH, this::handleHttp);
    httpServer.createContext(METRICS_PATH, this::handleHttp);
    httpServer.start();
    port = httpServer.getAddress().getPort();
  }

  private void handleHttp(HttpExchange exchange) throws IOException {
    java.util.concurrent.CountDownLatch held = hanging;
    if (held != null) {
      try (exchange) {
        held.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return;
    }
    try (exchange) {
      Map<String, String> headers = new LinkedHashMap<>();
      exchange
          .getRequestHeaders()
          .forEach(
              (name, values) ->
                  headers.put(name.toLowerCase(Locale.ROOT), values.isEmpty() ? "" : values.get(0)));
      Request request = new Request(Protocol.HTTP_PROTOBUF, exchange.getRequestURI().getPath(),
          Collections.unmodifiableMap(headers), 0);
      byte[] body;
      try (InputStream in = exchange.getRequestBody()) {
        body = in.readAllBytes();
      }
      String path = exchange.getRequestURI().getPath();
      if (!"POST".equals(exchange.getRequestMethod())
          || !(TRACES_PATH.equals(path) || METRICS_PATH.equals(path))) {
        recordFailure(request, exchange.getRequestMethod() + " " + exchange.getRequestURI());
        exchange.sendResponseHeaders(404, -1);
        return;
      }
      ExportTraceServiceRequest export = null;
      ExportMetricsServiceRequest metrics = null;
      try {
        String encoding = headers.getOrDefault("content-encoding", "").trim();
        if (encoding.equalsIgnoreCase("gzip")) {
          try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(body))) {
            body = in.readAllBytes();
          }
        } else if (!encoding.isEmpty() && !encoding.equalsIgnoreCase("identity")) {
          throw new IOException("unsupported Content-Encoding " + encoding);
        }
        if (!request.contentType().startsWith("application/x-protobuf")) {
          throw new IOException("Content-Type " + request.contentType()
              + " is not application/x-protobuf (this receiver decodes protobuf only)");
        }
        if (METRICS_PATH.equals(path)) {
          metrics = ExportMetricsServiceRequest.parseFrom(body);
        } else {
          export = ExportTraceServiceRequest.parseFrom(body);
        }
      } catch (IOException e) {
        recordFailure(request, e.toString());
        byte[] message = e.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(400, message.length);
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(message);
        }
        return;
      }
      byte[] response;
      if (metrics != null) {
        recordMetrics(request, metrics);
        response = ExportMetricsServiceResponse.getDefaultInstance().toByteArray();
      } else {
        record(request, export);
        response = ExportTraceServiceResponse.getDefaultInstance().toByteArray();
      }
      exchange.getResponseHeaders().set("Content-Type", "application/x-protobuf");
      exchange.sendResponseHeaders(200, response.length == 0 ? -1 : response.length);
      if (response.length > 0) {
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(response);
        }
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // gRPC: no generated stubs, a method descriptor over the proto classes is all a server needs.

  static final MethodDescriptor<ExportTraceServiceRequest, ExportTraceServiceResponse> EXPORT =
      MethodDescriptor.<ExportTraceServiceRequest, ExportTraceServiceResponse>newBuilder()
          .setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName(MethodDescriptor.generateFullMethodName(GRPC_SERVICE, "Export"))
          .setRequestMarshaller(new ProtoMarshaller<>(ExportTraceServiceRequest.parser()))
          .setResponseMarshaller(new ProtoMarshaller<>(ExportTraceServiceResponse.parser()))
          .build();

  static final MethodDescriptor<ExportMetricsServiceRequest, ExportMetricsServiceResponse>
      EXPORT_METRICS =
          MethodDescriptor.<ExportMetricsServiceRequest, ExportMetricsServiceResponse>newBuilder()
              .setType(MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(
                  MethodDescriptor.generateFullMethodName(GRPC_METRICS_SERVICE, "Export"))
              .setRequestMarshaller(new ProtoMarshaller<>(ExportMetricsServiceRequest.parser()))
              .setResponseMarshaller(new ProtoMarshaller<>(ExportMetricsServiceResponse.parser()))
              .build();

  private static final io.grpc.Context.Key<Map<String, String>> HEADERS =
      io.grpc.Context.key("otlp-receiver-headers");

  private void startGrpcServer() throws IOException {
    ServerServiceDefinition service =
        ServerServiceDefinition.builder(GRPC_SERVICE)
            .addMethod(
                EXPORT,
                ServerCalls.asyncUnaryCall(
                    (export, responses) -> {
                      Map<String, String> headers = HEADERS.get();
                      record(
                          new Request(
                              Protocol.GRPC,
                              "/" + EXPORT.getFullMethodName(),
                              headers == null ? Map.of() : headers,
                              0),
                          export);
                      responses.onNext(ExportTraceServiceResponse.getDefaultInstance());
                      responses.onCompleted();
                    }))
            .build();
    ServerServiceDefinition metricsService =
        ServerServiceDefinition.builder(GRPC_METRICS_SERVICE)
            .addMethod(
                EXPORT_METRICS,
                ServerCalls.asyncUnaryCall(
                    (export, responses) -> {
                      Map<String, String> headers = HEADERS.get();
                      recordMetrics(
                          new Request(
                              Protocol.GRPC,
                              "/" + EXPORT_METRICS.getFullMethodName(),
                              headers == null ? Map.of() : headers,
                              0),
                          export);
                      responses.onNext(ExportMetricsServiceResponse.getDefaultInstance());
                      responses.onCompleted();
                    }))
            .build();
    grpcServer =
        NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
            .addService(ServerInterceptors.intercept(service, new HeaderCapture()))
            .addService(ServerInterceptors.intercept(metricsService, new HeaderCapture()))
            .build()
            .start();
    port = grpcServer.getPort();
  }

  /** Hands the call's ASCII metadata to the handler through the gRPC context. */
  private static final class HeaderCapture implements ServerInterceptor {
    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
        ServerCall<Q, R> call, Metadata metadata, ServerCallHandler<Q, R> next) {
      Map<String, String> headers = new LinkedHashMap<>();
      for (String key : metadata.keys()) {
        if (!key.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
          String value = metadata.get(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER));
          headers.put(key.toLowerCase(Locale.ROOT), value == null ? "" : value);
        }
      }
      io.grpc.Context context =
          io.grpc.Context.current().withValue(HEADERS, Collections.unmodifiableMap(headers));
      return io.grpc.Contexts.interceptCall(context, call, metadata, next);
    }
  }

  /** Protobuf messages on the wire, through the message's own parser. */
  private static final class ProtoMarshaller<T extends MessageLite>
      implements MethodDescriptor.Marshaller<T> {
    private final Parser<T> parser;

    ProtoMarshaller(Parser<T> parser) {
      this.parser = parser;
    }

    @Override
    public InputStream stream(T value) {
      return new ByteArrayInputStream(value.toByteArray());
    }

    @Override
    public T parse(InputStream stream) {
      try {
        return parser.parseFrom(stream);
      } catch (InvalidProtocolBufferException e) {
        throw Status.INVALID_ARGUMENT
            .withDescription("not an OTLP protobuf message: " + e.getMessage())
            .withCause(e)
            .asRuntimeException();
      }
    }
  }
}
