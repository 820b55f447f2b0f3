package dev.weft.runtime.operation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.bootstrap.OperationKind;
import dev.weft.runtime.core.AgentErrors;
import dev.weft.runtime.core.config.WeftConfig;
import dev.weft.runtime.fuzz.FuzzBudget;
import dev.weft.runtime.metrics.MetricsRuntime;
import dev.weft.runtime.metrics.NamedOutcomeMetrics;
import dev.weft.runtime.trace.Tracing;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.DataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Label;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.BeforeTry;

/**
 * What clients and brokers send (methods outside the HTTP list, binary and invalid text in paths,
 * hosts, topics and command names, oversized and badly encoded baggage, odd statuses) goes through
 * the whole pipeline, spans recorded, without an exception reaching the caller, without
 * {@code weft_agent_errors_total} moving, and with every label within its bounds.
 */
@AddLifecycleHook(FuzzBudget.class)
class PipelineHostileInputTest {

  private static final int LIMIT = 20;
  private static final OperationKind SERVER = OperationKind.named("fuzz-http-server");
  private static final OperationKind CLIENT = OperationKind.named("fuzz-http-client");
  private static final OperationKind REDIS = OperationKind.named("fuzz-redis");
  private static final OperationKind KAFKA = OperationKind.named("fuzz-kafka");
  private static final OperationKind GRPC = OperationKind.named("fuzz-grpc");
  private static final Set<String> METHODS =
      Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH", "_OTHER");

  /**
   * OpenTelemetry's baggage parser logs each bad member with its stack trace through
   * java.util.logging. In the agent jar that logger sits under {@code dev.weft.shaded}, which
   * Weft silences once it builds an exporter; here it would fill the build's output.
   */
  private static final Logger BAGGAGE_LOG =
      Logger.getLogger("io.opentelemetry.api.baggage.propagation");

  static {
    BAGGAGE_LOG.setLevel(Level.OFF);
  }

  private MetricsRuntime metrics;
  private OperationPipeline pipeline;
  private final AtomicInteger spansEnded = new AtomicInteger();

  /** A pipeline per try: a scrape of everything earlier tries bound would cost more and more. */
  @BeforeTry
  void start() throws Exception {
    Properties p = new Properties();
    p.setProperty("weft.metrics.jvm.enabled", "false");
    p.setProperty("weft.metrics.cardinality.limit", Integer.toString(LIMIT));
    WeftConfig config = WeftConfig.load(null, p, new HashMap<>());
    AgentErrors errors = new AgentErrors();
    metrics = new MetricsRuntime(config, "test", errors);
    Tracing tracing = Tracing.withProcessor(config, new CountingProcessor(), errors);
    pipeline =
        new OperationPipeline(
            List.of(
                Family.httpServerRequests(SERVER.name()),
                Family.httpClientCalls(CLIENT.name()),
                Family.databaseCommands(
                    REDIS.name(),
                    "redis",
                    new NamedOutcomeMetrics.Shape(
                        "fuzz_commands", "Commands.", "fuzz_command_duration_seconds", "Time.",
                        "command", new double[] {0.001, 1})),
                Family.messaging(KAFKA.name(), "kafka"),
                Family.rpcCalls(GRPC.name(), "grpc")),
            metrics,
            tracing,
            errors);
  }

  @Property(tries = 150)
  void serverRequestsOfAnyShapeAreRecordedWithinBounds(
      @ForAll("texts") String method,
      @ForAll("texts") String endpoint,
      @ForAll("texts") String path,
      @ForAll("baggage") String baggage,
      @ForAll("statuses") int status,
      @ForAll("texts") String route) {
    int spansBefore = spansEnded.get();
    Object request =
        pipeline.startRequest(SERVER, null, method, endpoint, "http", path, null, null, baggage);
    pipeline.end(request, status, status < 0 ? new IllegalStateException() : null, route);
    assertEverythingBounded();
    assertEquals(spansBefore + 1, spansEnded.get(), "one span per request");
  }

  @Property(tries = 100)
  void clientCallsCommandsSendsAndRpcsOfAnyShapeAreRecordedWithinBounds(
      @ForAll("texts") String method,
      @ForAll("texts") String host,
      @ForAll("texts") String path,
      @ForAll("statuses") int status,
      @ForAll("bytes") byte[] command,
      @ForAll("texts") String topic,
      @ForAll("texts") String rpcMethod) {
    Object call = pipeline.startCall(CLIENT, method, "https", host, 443, path);
    pipeline.propagationHeaders(call);
    pipeline.end(call, status, status < 100 ? new java.net.ConnectException() : null);

    pipeline.end(pipeline.start(REDIS, null, command, host, 6379, 0), null);

    Object send = pipeline.startSend(KAFKA, topic);
    pipeline.propagationHeaders(send);
    pipeline.end(send, null);
    pipeline.startProcess(KAFKA, new Object(), new Object(), topic, 0, 1L, null, null);
    pipeline.processEnded(KAFKA);

    pipeline.end(pipeline.startRpcServer(GRPC, rpcMethod, null, null, null), 0, null);
    Object rpc = pipeline.startRpcClient(GRPC, rpcMethod, host);
    pipeline.propagationHeaders(rpc);
    pipeline.end(rpc, 2, null);
    assertEverythingBounded();
  }

  @Property(tries = 300)
  void aTraceHeaderFromAMessageIsTakenOnlyAsShortPrintableText(@ForAll("bytes") byte[] value) {
    String header = Messages.header(value);
    if (header != null) {
      assertTrue(header.length() <= 512);
      assertTrue(header.chars().allMatch(c -> c >= 0x20 && c <= 0x7e), header);
    }
  }

  // ---- inputs that once failed, or that the issue names -------------------------------------

  @Example
  void kafkaTraceHeadersThatAreNullEmptyHugeOrBinaryAreIgnored() {
    assertNull(Messages.header(null));
    assertNull(Messages.header(new byte[0]));
    assertNull(Messages.header(new byte[1 << 20]));
    assertNull(Messages.header(new byte[] {'0', '0', '-', (byte) 0xff}));
  }

  @Example
  void aMegabyteOfPathHostTopicAndCommandIsRecordedWithinBounds() {
    String mega = "\ud83d\ude00/a".repeat(1 << 18);
    byte[] megaBytes = mega.getBytes(StandardCharsets.UTF_8);
    serverRequestsOfAnyShapeAreRecordedWithinBounds("GET", null, mega, "k=" + mega, 200, null);
    clientCallsCommandsSendsAndRpcsOfAnyShapeAreRecordedWithinBounds(
        mega, mega, mega, 200, megaBytes, mega, mega);
  }

  @Example
  void distinctValuesPastTheLimitShareOtherAndEachIsCounted() {
    for (int i = 0; i < 3 * LIMIT; i++) {
      pipeline.end(
          pipeline.startRequest(SERVER, null, "GET", null, "http", "/p" + i, null, null, null),
          200,
          null,
          null);
      pipeline.end(pipeline.startCall(CLIENT, "GET", "https", "h" + i, 443, "/"), 200, null);
      pipeline.end(
          pipeline.start(REDIS, null, ("C" + i).getBytes(StandardCharsets.US_ASCII), "h", 1, 0),
          null);
      pipeline.end(pipeline.startSend(KAFKA, "t" + i), null);
    }
    assertEverythingBounded();
    Map<String, Double> overflows = new HashMap<>();
    for (MetricSnapshot snapshot : metrics.registry().scrape()) {
      if (snapshot.getMetadata().getName().equals("weft_label_overflow")) {
        for (CounterSnapshot.CounterDataPointSnapshot point :
            ((CounterSnapshot) snapshot).getDataPoints()) {
          overflows.put(point.getLabels().get("metric"), point.getValue());
        }
      }
    }
    for (String metric :
        List.of("http_requests", "http_client_requests", "fuzz_commands", "kafka_producer_records")) {
      assertEquals(2.0 * LIMIT, overflows.get(metric), metric + " in " + overflows);
    }
  }

  // ---- the checks ----------------------------------------------------------------------------

  private void assertEverythingBounded() {
    MetricSnapshots scraped = metrics.registry().scrape();
    Map<String, Set<String>> endpointsPerMetric = new HashMap<>();
    for (MetricSnapshot snapshot : scraped) {
      String name = snapshot.getMetadata().getName();
      if (name.equals("weft_agent_errors")) {
        for (CounterSnapshot.CounterDataPointSnapshot point :
            ((CounterSnapshot) snapshot).getDataPoints()) {
          assertEquals(0, point.getValue(), "weft_agent_errors_total " + point.getLabels());
        }
      }
      for (DataPointSnapshot point : snapshot.getDataPoints()) {
        for (Label label : point.getLabels()) {
          assertTrue(
              label.getValue().length() <= 256,
              name + "{" + label.getName() + "} is " + label.getValue().length() + " chars");
          if (label.getName().equals("method") && name.startsWith("http_")) {
            assertTrue(METHODS.contains(label.getValue()), label.getValue());
          }
          if (Arrays.asList("endpoint", "host", "topic", "command", "service")
              .contains(label.getName())) {
            endpointsPerMetric
                .computeIfAbsent(name + "/" + label.getName(), k -> new HashSet<>())
                .add(label.getValue());
          }
        }
      }
    }
    endpointsPerMetric.forEach(
        (metric, values) ->
            assertTrue(
                values.size() <= LIMIT + 1, metric + " has " + values.size() + " values"));
    try {
      PrometheusTextFormatWriter.create().write(new ByteArrayOutputStream(), scraped);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  // ---- generators ----------------------------------------------------------------------------

  /** Header-borne text: usual values, nulls, control and binary characters, long values. */
  @Provide
  Arbitrary<String> texts() {
    return Arbitraries.oneOf(
        Arbitraries.of(
            "GET", "PROPFIND", "get", "", "/", "/orders/{id}", "h.example", "orders", "a.B/c",
            "\u0000", "\r\n", "\ufffd", "\ud800", "%ZZ", "_other_"),
        Arbitraries.strings().all().ofMaxLength(40),
        Arbitraries.strings().withChars('a', '\u00e9', '\ud83d', '\ude00').ofMinLength(250)
            .ofMaxLength(300),
        Arbitraries.just(null));
  }

  /** Baggage: none, well formed, 8 KB and more, bad percent-encoding, binary. */
  @Provide
  Arbitrary<String> baggage() {
    return Arbitraries.oneOf(
        Arbitraries.just(null),
        Arbitraries.of("k=v", "k=%", "k=%G1", "k=%e2%82", "=v", "k", ";;;", ",,,", "k=v;p=%zz"),
        Arbitraries.strings().all().ofMaxLength(60),
        Arbitraries.integers().between(8100, 9000).map(n -> "k=" + "v%20".repeat(n / 4)),
        Arbitraries.integers().between(1, 200).map(n -> "k%=%%v,".repeat(n)));
  }

  @Provide
  Arbitrary<Integer> statuses() {
    return Arbitraries.oneOf(
        Arbitraries.of(-1, 0, 99, 100, 200, 404, 499, 500, 599, 600, 999, 1000, Integer.MAX_VALUE,
            Integer.MIN_VALUE),
        Arbitraries.integers());
  }

  @Provide
  Arbitrary<byte[]> bytes() {
    return Arbitraries.oneOf(
        Arbitraries.just(null),
        Arbitraries.bytes().array(byte[].class).ofMaxSize(100),
        Arbitraries.of("GET", "set", "CLIENT SETNAME", "00-abc-01")
            .map(s -> s.getBytes(StandardCharsets.UTF_8)),
        Arbitraries.integers().between(500, 600).map(n -> new byte[n]));
  }

  /** Counts the spans that end; each must end once. */
  private final class CountingProcessor implements SpanProcessor {
    @Override
    public void onStart(Context parentContext, ReadWriteSpan span) {}

    @Override
    public boolean isStartRequired() {
      return false;
    }

    @Override
    public void onEnd(ReadableSpan span) {
      spansEnded.incrementAndGet();
    }

    @Override
    public boolean isEndRequired() {
      return true;
    }
  }
}
