package dev.weft.instrumentation.executors;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.weft.testing.WeftAgentExtension;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Virtual threads beyond the single hand-over that {@code ExecutorsModuleTest} checks for every
 * entry point: the context is the one current when the thread starts (not when it was made), it
 * stays current across the parks and unparks that move the virtual thread between carriers, it
 * is carried again into a virtual thread started by a virtual thread, and hundreds of virtual
 * threads started at once, each in a span of its own, each see only their own. JDK 21 and later
 * (the jdk25 execution only; the default execution excludes this class).
 */
class VirtualThreadContextTest {

  @RegisterExtension
  static final WeftAgentExtension weft =
      WeftAgentExtension.modules("executors", "http-client-urlconnection");

  private static final Map<String, String> received = new ConcurrentHashMap<>();
  private static HttpServer server;
  private static int port;

  @BeforeAll
  static void startServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/probe/",
        exchange -> {
          String traceparent = exchange.getRequestHeaders().getFirst("traceparent");
          received.put(
              exchange.getRequestURI().getPath().substring("/probe/".length()),
              traceparent == null ? "" : traceparent);
          byte[] body = "ok".getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    server.setExecutor(Executors.newFixedThreadPool(8));
    server.start();
    port = server.getAddress().getPort();
  }

  @AfterAll
  static void stopServer() {
    server.stop(0);
  }

  static SpanContext newCaller() {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    String traceId = String.format("%016x%016x", r.nextLong() | 1, r.nextLong());
    String spanId = String.format("%016x", r.nextLong() | 1);
    return SpanContext.create(traceId, spanId, TraceFlags.getSampled(), TraceState.getDefault());
  }

  static Scope enter(SpanContext caller) {
    return Context.root().with(Span.wrap(caller)).makeCurrent();
  }

  static SpanContext current() {
    return Span.current().getSpanContext();
  }

  /** One HTTP call to /probe/{id} from the current thread. */
  static void probe(String id) throws IOException {
    HttpURLConnection c =
        (HttpURLConnection) new URL("http://127.0.0.1:" + port + "/probe/" + id).openConnection();
    assertEquals(200, c.getResponseCode());
    try (InputStream in = c.getInputStream()) {
      in.readAllBytes();
    }
  }

  /** Runs {@code task} on a thread, completing the returned future with what it returns. */
  static <T> Runnable completing(CompletableFuture<T> result, ThrowingSupplier<T> task) {
    return () -> {
      try {
        result.complete(task.get());
      } catch (Throwable t) {
        result.completeExceptionally(t);
      }
    };
  }

  @FunctionalInterface
  interface ThrowingSupplier<T> {
    T get() throws Exception;
  }

  @Test
  void theContextIsTheOneCurrentWhenTheThreadStartsNotWhenItWasMade() throws Exception {
    SpanContext making = newCaller();
    SpanContext starting = newCaller();
    CompletableFuture<SpanContext> seen = new CompletableFuture<>();
    Thread thread;
    try (Scope ignored = enter(making)) {
      thread =
          ThreadBuilders.unstarted(ThreadBuilders.ofVirtual(), completing(seen, () -> current()));
    }
    try (Scope ignored = enter(starting)) {
      thread.start();
    }
    assertEquals(starting, seen.get(10, SECONDS));

    // Made inside a span, started outside any: nothing is current in it.
    CompletableFuture<SpanContext> outside = new CompletableFuture<>();
    Thread late;
    try (Scope ignored = enter(making)) {
      late =
          ThreadBuilders.factory(ThreadBuilders.ofVirtual())
              .newThread(completing(outside, () -> current()));
    }
    late.start();
    assertFalse(outside.get(10, SECONDS).isValid(), "no span in a thread started outside any");
    assertEquals(0, weft.counter("weft_agent_errors_total", "module", "executors"));
  }

  @Test
  void aVirtualThreadStartedByAVirtualThreadGetsTheSameContext() throws Exception {
    SpanContext caller = newCaller();
    CompletableFuture<SpanContext> inner = new CompletableFuture<>();
    CompletableFuture<SpanContext> outer = new CompletableFuture<>();
    try (Scope ignored = enter(caller)) {
      ThreadBuilders.startVirtualThread(
          completing(
              outer,
              () -> {
                ThreadBuilders.startVirtualThread(completing(inner, () -> current()));
                return current();
              }));
    }
    assertEquals(caller, outer.get(10, SECONDS));
    assertEquals(caller, inner.get(10, SECONDS));
  }

  /**
   * 400 virtual threads started at once, each in a span of its own, park and unpark (sleeps, a
   * contended lock, a hand-off through a SynchronousQueue) and then make an HTTP call: at every
   * point each sees its own span, and each call's CLIENT span is its caller's child.
   */
  @Test
  void manyVirtualThreadsEachKeepTheirOwnSpanAcrossParksAndCarriers() throws Exception {
    int threads = 400;
    ReentrantLock contended = new ReentrantLock();
    Map<String, SpanContext> callers = new HashMap<>();
    List<CompletableFuture<List<SpanContext>>> seen = new ArrayList<>();
    ExecutorService partners = newVirtualThreadPerTaskExecutor();
    try {
      for (int i = 0; i < threads; i++) {
        String id = "vt-" + i;
        SpanContext caller = newCaller();
        callers.put(id, caller);
        CompletableFuture<List<SpanContext>> result = new CompletableFuture<>();
        seen.add(result);
        SynchronousQueue<String> handOff = new SynchronousQueue<>();
        // The partner takes from the queue outside any span: it unparks the thread that puts.
        partners.submit(() -> handOff.take());
        try (Scope ignored = enter(caller)) {
          ThreadBuilders.start(
              ThreadBuilders.ofVirtual(),
              completing(
                  result,
                  () -> {
                    List<SpanContext> points = new ArrayList<>();
                    points.add(current());
                    Thread.sleep(1);
                    points.add(current());
                    contended.lock();
                    try {
                      Thread.sleep(1);
                    } finally {
                      contended.unlock();
                    }
                    points.add(current());
                    handOff.put(id);
                    points.add(current());
                    probe(id);
                    points.add(current());
                    return points;
                  }));
        }
        assertFalse(current().isValid(), "the caller's scope is closed");
      }
      for (int i = 0; i < threads; i++) {
        List<SpanContext> points = seen.get(i).get(60, SECONDS);
        SpanContext caller = callers.get("vt-" + i);
        assertEquals(5, points.size());
        for (SpanContext point : points) {
          assertEquals(caller, point, "vt-" + i + " saw its own span at every point");
        }
      }
    } finally {
      partners.shutdown();
      assertTrue(partners.awaitTermination(30, SECONDS), "every partner took its hand-off");
    }
    List<SpanData> spans = weft.awaitSpans(threads);
    assertEquals(threads, spans.size());
    for (SpanData span : spans) {
      String url = span.getAttributes().get(AttributeKey.stringKey("url.full"));
      String id = url.substring(url.lastIndexOf('/') + 1);
      SpanContext caller = callers.get(id);
      assertEquals(caller.getTraceId(), span.getTraceId(), id);
      assertEquals(caller.getSpanId(), span.getParentSpanId(), id);
      assertEquals(
          "00-" + span.getTraceId() + "-" + span.getSpanId() + "-01", received.get(id), id);
    }
    assertEquals(threads, received.size());
    assertEquals(0, weft.counter("weft_agent_errors_total", "module", "executors"));
  }

  /** Starting a thread twice fails as it does without Weft, and the first start still counts. */
  @Test
  void aSecondStartFailsAsWithoutWeft() throws Exception {
    SpanContext caller = newCaller();
    CompletableFuture<SpanContext> seen = new CompletableFuture<>();
    CountDownLatch release = new CountDownLatch(1);
    Thread thread =
        ThreadBuilders.unstarted(
            ThreadBuilders.ofVirtual(),
            completing(
                seen,
                () -> {
                  release.await(10, SECONDS);
                  return current();
                }));
    try (Scope ignored = enter(caller)) {
      thread.start();
      assertThrows(IllegalThreadStateException.class, thread::start);
    }
    release.countDown();
    assertEquals(caller, seen.get(10, SECONDS));
    thread.join(10_000);
    assertFalse(thread.isAlive());
  }

  static ExecutorService newVirtualThreadPerTaskExecutor() throws Exception {
    return (ExecutorService)
        Executors.class.getMethod("newVirtualThreadPerTaskExecutor").invoke(null);
  }
}
