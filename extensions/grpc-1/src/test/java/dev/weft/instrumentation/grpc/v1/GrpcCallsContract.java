package dev.weft.instrumentation.grpc.v1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.testing.WeftAgentExtension;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What the grpc-1 module promises on any transport: a real server on a loopback port and a real
 * channel to it, built by the transport's own builders (which the module weaves), and every kind
 * of call counted exactly once per service, method and status code on both sides, with spans
 * that join client and server in one trace.
 */
abstract class GrpcCallsContract {

  @RegisterExtension
  static final WeftAgentExtension weft = WeftAgentExtension.modules("grpc-1");

  static final AttributeKey<String> RPC_SYSTEM = AttributeKey.stringKey("rpc.system");
  static final AttributeKey<String> RPC_SERVICE = AttributeKey.stringKey("rpc.service");
  static final AttributeKey<String> RPC_METHOD = AttributeKey.stringKey("rpc.method");
  static final AttributeKey<Long> RPC_STATUS = AttributeKey.longKey("rpc.grpc.status_code");

  private Greeter greeter;
  private Server server;
  private ManagedChannel channel;
  protected int port;

  /** The transport's server builder on a free loopback port. */
  abstract ServerBuilder<?> serverBuilder();

  /** The transport's channel builder to {@code 127.0.0.1:port}, plaintext. */
  abstract ManagedChannelBuilder<?> channelBuilder(int port);

  @BeforeEach
  void start() throws Exception {
    greeter = new Greeter();
    server = serverBuilder().addService(greeter.definition()).build().start();
    port = server.getPort();
    channel = channelBuilder(port).build();
  }

  @AfterEach
  void stop() throws InterruptedException {
    channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
  }

  private String unary(String request) {
    return ClientCalls.blockingUnaryCall(channel, Greeter.SAY_HELLO, CallOptions.DEFAULT, request);
  }

  private Status.Code unaryFails(String request, CallOptions options) {
    try {
      ClientCalls.blockingUnaryCall(channel, Greeter.SAY_HELLO, options, request);
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode();
    }
    throw new AssertionError("the call " + request + " did not fail");
  }

  private List<String> serverStream(String request) {
    List<String> got = new ArrayList<>();
    Iterator<String> it =
        ClientCalls.blockingServerStreamingCall(
            channel, Greeter.LIST_GREETINGS, CallOptions.DEFAULT, request);
    it.forEachRemaining(got::add);
    return got;
  }

  /** Collects a stream's responses; completes with them, or fails with the stream's error. */
  static final class Collected implements StreamObserver<String> {
    final List<String> values = new ArrayList<>();
    final CompletableFuture<List<String>> done = new CompletableFuture<>();
    final CompletableFuture<String> first = new CompletableFuture<>();

    @Override
    public synchronized void onNext(String value) {
      values.add(value);
      first.complete(value);
    }

    @Override
    public synchronized void onError(Throwable t) {
      done.completeExceptionally(t);
    }

    @Override
    public synchronized void onCompleted() {
      done.complete(new ArrayList<>(values));
    }
  }

  private List<String> clientStream(String... requests) throws Exception {
    Collected response = new Collected();
    StreamObserver<String> out =
        ClientCalls.asyncClientStreamingCall(
            channel.newCall(Greeter.COLLECT, CallOptions.DEFAULT), response);
    for (String r : requests) {
      out.onNext(r);
    }
    out.onCompleted();
    return response.done.get(10, TimeUnit.SECONDS);
  }

  private List<String> chat(String... requests) throws Exception {
    Collected response = new Collected();
    StreamObserver<String> out =
        ClientCalls.asyncBidiStreamingCall(
            channel.newCall(Greeter.CHAT, CallOptions.DEFAULT), response);
    for (String r : requests) {
      out.onNext(r);
    }
    out.onCompleted();
    return response.done.get(10, TimeUnit.SECONDS);
  }

  /** A server stream the client cancels after its first message. */
  private Status.Code cancelledStream() throws Exception {
    Collected response = new Collected();
    ClientCall<String, String> call = channel.newCall(Greeter.LIST_GREETINGS, CallOptions.DEFAULT);
    ClientCalls.asyncServerStreamingCall(call, "forever", response);
    assertEquals("first", response.first.get(10, TimeUnit.SECONDS));
    call.cancel("the client gives up", null);
    try {
      response.done.get(10, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      return Status.fromThrowable(e.getCause()).getCode();
    }
    throw new AssertionError("the cancelled stream completed");
  }

  private static Map<String, String> series(String method, String code) {
    Map<String, String> labels = new HashMap<>();
    labels.put("service", Greeter.SERVICE);
    labels.put("method", method);
    labels.put("code", code);
    return labels;
  }

  @Test
  void everyKindOfCallIsCountedOnceByServiceMethodAndCodeOnBothSides() throws Exception {
    // 7 unary calls: 3 OK, 2 INTERNAL, 1 DEADLINE_EXCEEDED, 1 whose handler throws (UNKNOWN)
    for (int i = 0; i < 3; i++) {
      assertEquals("hello n" + i, unary("n" + i));
    }
    for (int i = 0; i < 2; i++) {
      assertEquals(Status.Code.INTERNAL, unaryFails("internal", CallOptions.DEFAULT));
    }
    assertEquals(
        Status.Code.DEADLINE_EXCEEDED,
        unaryFails("wait", CallOptions.DEFAULT.withDeadlineAfter(200, TimeUnit.MILLISECONDS)));
    assertEquals(Status.Code.UNKNOWN, unaryFails("throw", CallOptions.DEFAULT));
    // 2 server streams of 3 messages, one the client cancels
    for (int i = 0; i < 2; i++) {
      assertEquals(3, serverStream("3").size());
    }
    assertEquals(Status.Code.CANCELLED, cancelledStream());
    // a client stream of 4 messages, a bidirectional stream of 2
    assertEquals(List.of("4"), clientStream("a", "b", "c", "d"));
    assertEquals(List.of("echo x", "echo y"), chat("x", "y"));
    // a method the server does not have: the client's UNIMPLEMENTED, nothing on the server
    try {
      ClientCalls.blockingUnaryCall(channel, Greeter.MISSING, CallOptions.DEFAULT, "x");
      throw new AssertionError("an unknown method answered");
    } catch (StatusRuntimeException e) {
      assertEquals(Status.Code.UNIMPLEMENTED, e.getStatus().getCode());
    }

    Map<Map<String, String>, Double> server = new LinkedHashMap<>();
    server.put(series("SayHello", "OK"), 3.0);
    server.put(series("SayHello", "INTERNAL"), 2.0);
    server.put(series("SayHello", "DEADLINE_EXCEEDED"), 1.0);
    server.put(series("SayHello", "UNKNOWN"), 1.0);
    server.put(series("ListGreetings", "OK"), 2.0);
    server.put(series("ListGreetings", "CANCELLED"), 1.0);
    server.put(series("Collect", "OK"), 1.0);
    server.put(series("Chat", "OK"), 1.0);
    Map<Map<String, String>, Double> client = new LinkedHashMap<>(server);
    client.put(series("Missing", "UNIMPLEMENTED"), 1.0);

    // The server ends cancelled calls on its own threads, after the client has its answer.
    awaitAll("rpc_server_request_duration_seconds", server);
    awaitAll("rpc_client_request_duration_seconds", client);
    assertEquals(server, weft.changedSeries("rpc_server_requests_total"));
    assertEquals(server, weft.changedSeries("rpc_server_request_duration_seconds"));
    assertEquals(client, weft.changedSeries("rpc_client_requests_total"));
    assertEquals(client, weft.changedSeries("rpc_client_request_duration_seconds"));
  }

  private static void awaitAll(String histogram, Map<Map<String, String>, Double> expected)
      throws InterruptedException {
    for (Map.Entry<Map<String, String>, Double> e : expected.entrySet()) {
      List<String> labels = new ArrayList<>();
      e.getKey().forEach((k, v) -> {
        labels.add(k);
        labels.add(v);
      });
      weft.awaitHistogramCount(
          histogram, e.getValue().longValue(), labels.toArray(new String[0]));
    }
  }

  @Test
  void clientAndServerSpansJoinTheCallersTraceAndTheHandlerRunsInTheServerSpan()
      throws Exception {
    String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    String callerId = "00f067aa0ba902b7";
    Span caller =
        Span.wrap(
            SpanContext.create(traceId, callerId, TraceFlags.getSampled(), TraceState.getDefault()));
    try (Scope ignored = Context.root().with(caller).makeCurrent()) {
      assertEquals("hello traced", unary("traced"));
    }
    List<SpanData> spans = weft.awaitSpans(2);
    assertEquals(2, spans.size());
    SpanData serverSpan = find(spans, SpanKind.SERVER);
    SpanData clientSpan = find(spans, SpanKind.CLIENT);

    for (SpanData s : spans) {
      assertEquals("weft.demo.Greeter/SayHello", s.getName());
      assertEquals(traceId, s.getTraceId());
      assertEquals("grpc", s.getAttributes().get(RPC_SYSTEM));
      assertEquals(Greeter.SERVICE, s.getAttributes().get(RPC_SERVICE));
      assertEquals("SayHello", s.getAttributes().get(RPC_METHOD));
      assertEquals(0L, s.getAttributes().get(RPC_STATUS));
      assertEquals(StatusCode.UNSET, s.getStatus().getStatusCode());
    }
    assertEquals(callerId, clientSpan.getParentSpanId());
    assertEquals(clientSpan.getSpanId(), serverSpan.getParentSpanId());
    assertEquals("127.0.0.1", clientSpan.getAttributes().get(AttributeKey.stringKey("server.address")));
    assertEquals((long) port, clientSpan.getAttributes().get(AttributeKey.longKey("server.port")));
    assertEquals(List.of(serverSpan.getSpanId()), greeter.handlerSpans);
  }

  @Test
  void failedCallsMarkTheirSpansAsTheConventionsSay() throws Exception {
    assertEquals(Status.Code.INTERNAL, unaryFails("internal", CallOptions.DEFAULT));
    List<SpanData> spans = weft.awaitSpans(2);
    for (SpanData s : spans) {
      assertEquals(13L, s.getAttributes().get(RPC_STATUS));
      assertEquals(StatusCode.ERROR, s.getStatus().getStatusCode());
      assertEquals("INTERNAL", s.getAttributes().get(AttributeKey.stringKey("error.type")));
    }
    assertNotEquals(spans.get(0).getKind(), spans.get(1).getKind());
  }

  @Test
  void everyCallbackOfAStreamingCallRunsInTheServerSpan() throws Exception {
    assertEquals(List.of("6"), clientStream("1", "2", "3", "4", "5", "6"));
    assertEquals(List.of("echo a", "echo b", "echo c"), chat("a", "b", "c"));
    List<SpanData> spans = weft.awaitSpans(4);
    List<String> serverSpans = new ArrayList<>();
    for (SpanData s : spans) {
      if (s.getKind() == SpanKind.SERVER) {
        serverSpans.add(s.getSpanId());
      }
    }
    assertEquals(2, serverSpans.size());
    // Collect: the start, six messages, the half-close; Chat: the start, three, the half-close.
    assertEquals(8 + 5, greeter.handlerSpans.size());
    for (int i = 0; i < 8; i++) {
      assertEquals(serverSpans.get(0), greeter.handlerSpans.get(i), "Collect callback " + i);
    }
    for (int i = 8; i < 13; i++) {
      assertEquals(serverSpans.get(1), greeter.handlerSpans.get(i), "Chat callback " + i);
    }
    assertTrue(greeter.handlerThreads.stream().noneMatch(t -> t.equals(Thread.currentThread().getName())));
  }

  @Test
  void aChannelBuiltTwiceCountsEachCallOnce() throws Exception {
    ManagedChannelBuilder<?> builder = channelBuilder(port);
    ManagedChannel first = builder.build();
    ManagedChannel second = builder.build();
    try {
      ClientCalls.blockingUnaryCall(first, Greeter.SAY_HELLO, CallOptions.DEFAULT, "one");
      ClientCalls.blockingUnaryCall(second, Greeter.SAY_HELLO, CallOptions.DEFAULT, "two");
    } finally {
      first.shutdownNow();
      second.shutdownNow();
    }
    assertEquals(2.0, weft.awaitCounter("rpc_client_requests_total", 2,
        "service", Greeter.SERVICE, "method", "SayHello", "code", "OK"));
    assertEquals(2.0, weft.awaitCounter("rpc_server_requests_total", 2,
        "service", Greeter.SERVICE, "method", "SayHello", "code", "OK"));
    assertEquals(4, weft.awaitSpans(4).size());
  }

  @Test
  void theApplicationsInterceptorsAndItsOwnTraceparentAreLeftAsTheyAre() throws Exception {
    // A server whose own interceptor refuses calls without a token, and records the traceparent
    // each call arrived with; a channel whose own interceptor sets the application's traceparent.
    io.grpc.Metadata.Key<String> token =
        io.grpc.Metadata.Key.of("token", io.grpc.Metadata.ASCII_STRING_MARSHALLER);
    io.grpc.Metadata.Key<String> traceparent =
        io.grpc.Metadata.Key.of("traceparent", io.grpc.Metadata.ASCII_STRING_MARSHALLER);
    List<String> arrived = new java.util.concurrent.CopyOnWriteArrayList<>();
    io.grpc.ServerInterceptor guard =
        new io.grpc.ServerInterceptor() {
          @Override
          public <Q, R> io.grpc.ServerCall.Listener<Q> interceptCall(
              io.grpc.ServerCall<Q, R> call, io.grpc.Metadata headers, io.grpc.ServerCallHandler<Q, R> next) {
            arrived.add(String.valueOf(headers.get(traceparent)));
            if (headers.get(token) == null) {
              call.close(Status.PERMISSION_DENIED.withDescription("no token"), new io.grpc.Metadata());
              return new io.grpc.ServerCall.Listener<Q>() {};
            }
            return next.startCall(call, headers);
          }
        };
    Server guarded =
        serverBuilder()
            .addService(io.grpc.ServerInterceptors.intercept(new Greeter().definition(), guard))
            .build()
            .start();
    String own = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    ManagedChannel plain = channelBuilder(guarded.getPort()).build();
    ManagedChannel withOwn =
        channelBuilder(guarded.getPort())
            .intercept(
                new io.grpc.ClientInterceptor() {
                  @Override
                  public <Q, R> ClientCall<Q, R> interceptCall(
                      io.grpc.MethodDescriptor<Q, R> method, CallOptions options, io.grpc.Channel next) {
                    return new io.grpc.ForwardingClientCall.SimpleForwardingClientCall<Q, R>(
                        next.newCall(method, options)) {
                      @Override
                      public void start(Listener<R> listener, io.grpc.Metadata headers) {
                        headers.put(traceparent, own);
                        headers.put(token, "t");
                        super.start(listener, headers);
                      }
                    };
                  }
                })
            .build();
    try {
      StatusRuntimeException refused =
          org.junit.jupiter.api.Assertions.assertThrows(
              StatusRuntimeException.class,
              () -> ClientCalls.blockingUnaryCall(plain, Greeter.SAY_HELLO, CallOptions.DEFAULT, "x"));
      assertEquals(Status.Code.PERMISSION_DENIED, refused.getStatus().getCode());
      assertEquals("no token", refused.getStatus().getDescription(), "the application's answer, unchanged");
      assertEquals(
          "hello y", ClientCalls.blockingUnaryCall(withOwn, Greeter.SAY_HELLO, CallOptions.DEFAULT, "y"));
    } finally {
      plain.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
      withOwn.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
      guarded.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }
    assertEquals(2, arrived.size());
    assertTrue(arrived.get(0).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}"), "Weft's own: " + arrived.get(0));
    assertEquals(own, arrived.get(1), "the application's traceparent is never overwritten");
    // Weft's interceptor runs around the application's: the refused call is counted too.
    for (String side : List.of("server", "client")) {
      assertEquals(1.0, weft.awaitCounter("rpc_" + side + "_requests_total", 1,
          "service", Greeter.SERVICE, "method", "SayHello", "code", "PERMISSION_DENIED"), side);
      assertEquals(1.0, weft.awaitCounter("rpc_" + side + "_requests_total", 1,
          "service", Greeter.SERVICE, "method", "SayHello", "code", "OK"), side);
    }
    // The server continued the application's trace.
    SpanData served =
        weft.awaitSpans(4).stream()
            .filter(s -> s.getKind() == SpanKind.SERVER && s.getTraceId().equals("0af7651916cd43dd8448eb211c80319c"))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no server span in the application's trace"));
    assertEquals("b7ad6b7169203331", served.getParentSpanId());
  }

  /**
   * Metadata entries of one name are one value on the server: two {@code tracestate} entries are
   * one list in order, two {@code traceparent} entries are no caller's context. The application's
   * interceptor sets them after Weft's ran: Weft's own headers are then left out, so what arrives
   * is exactly the application's.
   */
  @Test
  void severalEntriesOfOneNameAreOneValue() throws Exception {
    String trace = "0af7651916cd43dd8448eb211c80319c";
    String traceparent = "00-" + trace + "-b7ad6b7169203331-01";
    io.grpc.Metadata.Key<String> tp =
        io.grpc.Metadata.Key.of("traceparent", io.grpc.Metadata.ASCII_STRING_MARSHALLER);
    io.grpc.Metadata.Key<String> ts =
        io.grpc.Metadata.Key.of("tracestate", io.grpc.Metadata.ASCII_STRING_MARSHALLER);
    assertEquals("hello a", unaryWith("a", h -> {
      h.put(tp, traceparent);
      h.put(ts, "foo=1,bar=2");
      h.put(ts, "baz=3");
    }));
    SpanData continued = find(weft.awaitSpans(2), SpanKind.SERVER);
    assertEquals(trace, continued.getTraceId());
    assertEquals("b7ad6b7169203331", continued.getParentSpanId());
    List<String> keys = new ArrayList<>();
    continued.getSpanContext().getTraceState().forEach((k, v) -> keys.add(k));
    assertEquals(List.of("foo", "bar", "baz"), keys);

    assertEquals("hello b", unaryWith("b", h -> {
      h.put(tp, traceparent);
      h.put(tp, traceparent);
    }));
    SpanData restarted =
        weft.awaitSpans(4).stream()
            .filter(s -> s.getKind() == SpanKind.SERVER && s != continued && !s.getTraceId().equals(trace))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no server span of a trace of its own"));
    assertTrue(!restarted.getParentSpanContext().isValid(), restarted.toString());
  }

  /** A unary call on a channel whose own interceptor edits the call's metadata. */
  private String unaryWith(String request, java.util.function.Consumer<io.grpc.Metadata> edit)
      throws InterruptedException {
    ManagedChannel own =
        channelBuilder(port)
            .intercept(
                new io.grpc.ClientInterceptor() {
                  @Override
                  public <Q, R> ClientCall<Q, R> interceptCall(
                      io.grpc.MethodDescriptor<Q, R> method, CallOptions options, io.grpc.Channel next) {
                    return new io.grpc.ForwardingClientCall.SimpleForwardingClientCall<Q, R>(
                        next.newCall(method, options)) {
                      @Override
                      public void start(Listener<R> listener, io.grpc.Metadata headers) {
                        edit.accept(headers);
                        super.start(listener, headers);
                      }
                    };
                  }
                })
            .build();
    try {
      return ClientCalls.blockingUnaryCall(own, Greeter.SAY_HELLO, CallOptions.DEFAULT, request);
    } finally {
      own.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }
  }

  private static SpanData find(List<SpanData> spans, SpanKind kind) {
    return spans.stream()
        .filter(s -> s.getKind() == kind)
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + kind + " span in " + spans));
  }
}
