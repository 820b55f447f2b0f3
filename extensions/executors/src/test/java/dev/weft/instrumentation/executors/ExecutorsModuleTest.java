package dev.weft.instrumentation.executors;

import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.weft.testing.WeftAgentExtension;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The executors module in process, on the JDK's real pools. A caller makes a span context
 * current (as a server request would), hands a task over through one of the covered entry
 * points, and the task, on the pool's thread, reads the current span and makes a real HTTP call
 * with {@code HttpURLConnection} (module http-client-urlconnection, woven alongside) to a JDK
 * HTTP server on a free loopback port. A task handed over inside a span sees that span as
 * current, its CLIENT span is the span's child and its {@code traceparent} reaches the server; a
 * task handed over outside any span sees none and its call starts a trace of its own; and the
 * pool's thread keeps nothing from one task for the next.
 */
class ExecutorsModuleTest {

  @RegisterExtension
  static final WeftAgentExtension weft =
      WeftAgentExtension.modules("executors", "http-client-urlconnection");

  /** The traceparent header of each probe call the server received, by the probe's id. */
  private static final Map<String, String> received = new ConcurrentHashMap<>();

  private static final AtomicLong probes = new AtomicLong();

  private static HttpServer server;
  private static int port;

  @BeforeAll
  static void startServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/probe/",
        exchange -> {
          String path = exchange.getRequestURI().getPath();
          String traceparent = exchange.getRequestHeaders().getFirst("traceparent");
          received.put(path.substring("/probe/".length()), traceparent == null ? "" : traceparent);
          byte[] body = "ok".getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    server.start();
    port = server.getAddress().getPort();
  }

  @AfterAll
  static void stopServer() {
    server.stop(0);
  }

  @BeforeEach
  void clearReceived() {
    received.clear();
  }

  // ---------------------------------------------------------------------------------------------
  // What a task sees where it runs

  /** What one task saw on the thread that ran it. */
  static final class Seen {
    final String id;
    final Thread thread;
    final SpanContext current;

    Seen(String id, Thread thread, SpanContext current) {
      this.id = id;
      this.thread = thread;
      this.current = current;
    }
  }

  /** The task: notes the current span and thread, then makes one HTTP call, /probe/{id}. */
  static Seen probe() {
    SpanContext current = Span.current().getSpanContext();
    String id = Long.toString(probes.incrementAndGet());
    try {
      HttpURLConnection c = (HttpURLConnection) probeUrl(id).openConnection();
      int status = c.getResponseCode();
      try (InputStream in = c.getInputStream()) {
        in.readAllBytes();
      }
      assertEquals(200, status);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new Seen(id, Thread.currentThread(), current);
  }

  private static URL probeUrl(String id) throws IOException {
    return new URL("http://127.0.0.1:" + port + "/probe/" + id);
  }

  /** A caller's span context of its own (a new trace each time), sampled. */
  static SpanContext newCaller() {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    String traceId = String.format("%016x%016x", r.nextLong() | 1, r.nextLong());
    String spanId = String.format("%016x", r.nextLong() | 1);
    return SpanContext.create(traceId, spanId, TraceFlags.getSampled(), TraceState.getDefault());
  }

  static Scope enter(SpanContext caller) {
    return Context.root().with(Span.wrap(caller)).makeCurrent();
  }

  /** The CLIENT span of the probe's call. */
  private static SpanData clientSpanOf(Seen seen) throws IOException {
    String url = probeUrl(seen.id).toString();
    List<SpanData> matching = new ArrayList<>();
    for (SpanData span : weft.spans()) {
      if (url.equals(span.getAttributes().get(AttributeKey.stringKey("url.full")))) {
        matching.add(span);
      }
    }
    assertEquals(1, matching.size(), "the spans of " + url + ": " + matching);
    SpanData span = matching.get(0);
    assertEquals(SpanKind.CLIENT, span.getKind());
    return span;
  }

  private static String traceparent(SpanData span) {
    return "00-" + span.getTraceId() + "-" + span.getSpanId() + "-"
        + span.getSpanContext().getTraceFlags().asHex();
  }

  /** The task ran with the caller's span current, and its call was the caller's child. */
  static void assertRanIn(SpanContext caller, Seen seen) throws IOException {
    assertEquals(caller.getTraceId(), seen.current.getTraceId(), "the trace current in the task");
    assertEquals(caller.getSpanId(), seen.current.getSpanId(), "the span current in the task");
    SpanData client = clientSpanOf(seen);
    assertEquals(caller.getTraceId(), client.getTraceId());
    assertEquals(caller.getSpanId(), client.getParentSpanId());
    assertEquals(traceparent(client), received.get(seen.id));
  }

  /** The task ran with no span current, and its call started a trace of its own. */
  static void assertRanOutsideAnyTrace(Seen seen) throws IOException {
    assertFalse(seen.current.isValid(), "no span is current in the task: " + seen.current);
    SpanData client = clientSpanOf(seen);
    assertFalse(client.getParentSpanContext().isValid(), client.toString());
    assertEquals(traceparent(client), received.get(seen.id));
  }

  // ---------------------------------------------------------------------------------------------
  // The entry points

  @FunctionalInterface
  interface PoolFactory {
    ExecutorService create() throws Exception;
  }

  @FunctionalInterface
  interface Handoff {
    /** Hands {@code task} over (to {@code pool}, null where the entry point has none). */
    Future<Seen> handOver(ExecutorService pool, Callable<Seen> task) throws Exception;
  }

  /** One entry point: how its executor is made and how a task is handed to it. */
  static final class EntryPoint {
    final String name;
    final PoolFactory pool;
    final Handoff handoff;
    /** Every task runs on the one same thread (a pool of one thread). */
    final boolean oneThread;

    EntryPoint(String name, PoolFactory pool, Handoff handoff, boolean oneThread) {
      this.name = name;
      this.pool = pool;
      this.handoff = handoff;
      this.oneThread = oneThread;
    }

    @Override
    public String toString() {
      return name;
    }
  }

  /** The task as a Runnable that completes the returned future with what the task saw. */
  static Future<Seen> asRunnable(Callable<Seen> task, Consumer<Runnable> handOver) {
    CompletableFuture<Seen> seen = new CompletableFuture<>();
    handOver.accept(
        () -> {
          try {
            seen.complete(task.call());
          } catch (Throwable t) {
            seen.completeExceptionally(t);
          }
        });
    return seen;
  }

  @FunctionalInterface
  interface VirtualThreadStarter {
    /** Makes a virtual thread for {@code task}; starts it, or returns it unstarted. */
    Thread create(Runnable task) throws Exception;
  }

  /**
   * The task on a virtual thread made by {@code starter}: started here if the starter left it
   * unstarted (the hand-over is the {@code start}), and checked to be virtual.
   */
  static Future<Seen> asVirtualThread(Callable<Seen> task, VirtualThreadStarter starter)
      throws Exception {
    CompletableFuture<Seen> seen = new CompletableFuture<>();
    Callable<Seen> onVirtualThread =
        () -> {
          assertTrue(ThreadBuilders.isVirtual(Thread.currentThread()), "a virtual thread");
          return task.call();
        };
    Thread thread =
        starter.create(
            () -> {
              try {
                seen.complete(onVirtualThread.call());
              } catch (Throwable t) {
                seen.completeExceptionally(t);
              }
            });
    if (thread.getState() == Thread.State.NEW) {
      thread.start();
    }
    return seen;
  }

  /** submit(Runnable): the pool's own future must complete too, and before what the task saw. */
  static Future<Seen> submitRunnable(ExecutorService pool, Callable<Seen> task) throws Exception {
    AtomicReference<Future<?>> submitted = new AtomicReference<>();
    Future<Seen> seen = asRunnable(task, r -> submitted.set(pool.submit(r)));
    submitted.get().get(10, SECONDS);
    return seen;
  }

  static ExecutorService oneThreadPool() {
    return Executors.newFixedThreadPool(1);
  }

  static ExecutorService oneThreadScheduledPool() {
    return new ScheduledThreadPoolExecutor(1);
  }

  static ExecutorService oneThreadForkJoinPool() {
    return new ForkJoinPool(1);
  }

  static ScheduledExecutorService scheduler(ExecutorService pool) {
    return (ScheduledExecutorService) pool;
  }

  static boolean onJdk21OrLater() {
    return Runtime.version().feature() >= 21;
  }

  /** JDK 25's ForkJoinPool is a ScheduledExecutorService ({@code schedule} is covered there). */
  static boolean forkJoinPoolSchedules() {
    return ScheduledExecutorService.class.isAssignableFrom(ForkJoinPool.class);
  }

  static ExecutorService executorsFactory(String method, Object... args) throws Exception {
    Class<?>[] types = new Class<?>[args.length];
    for (int i = 0; i < args.length; i++) {
      types[i] = args[i] instanceof ThreadFactory ? ThreadFactory.class : args[i].getClass();
    }
    return (ExecutorService) Executors.class.getMethod(method, types).invoke(null, args);
  }

  static List<EntryPoint> entryPoints() {
    List<EntryPoint> e = new ArrayList<>();
    PoolFactory tpe = ExecutorsModuleTest::oneThreadPool;
    PoolFactory stpe = ExecutorsModuleTest::oneThreadScheduledPool;
    PoolFactory fjp = ExecutorsModuleTest::oneThreadForkJoinPool;
    PoolFactory common = ForkJoinPool::commonPool;
    PoolFactory none = () -> null;
    e.add(new EntryPoint("ThreadPoolExecutor.execute", tpe,
        (p, t) -> asRunnable(t, p::execute), true));
    e.add(new EntryPoint("ThreadPoolExecutor.submit(Runnable)", tpe,
        ExecutorsModuleTest::submitRunnable, true));
    e.add(new EntryPoint("ThreadPoolExecutor.submit(Callable)", tpe,
        (p, t) -> p.submit(t), true));
    e.add(new EntryPoint("ThreadPoolExecutor.invokeAll", tpe,
        (p, t) -> p.invokeAll(List.of(t)).get(0), true));
    e.add(new EntryPoint("ThreadPoolExecutor.invokeAny", tpe,
        (p, t) -> CompletableFuture.completedFuture(p.invokeAny(List.of(t))), true));
    e.add(new EntryPoint("ScheduledThreadPoolExecutor.schedule(Callable)", stpe,
        (p, t) -> scheduler(p).schedule(t, 1, MILLISECONDS), true));
    e.add(new EntryPoint("ScheduledThreadPoolExecutor.schedule(Runnable)", stpe,
        (p, t) -> asRunnable(t, r -> scheduler(p).schedule(r, 1, MILLISECONDS)), true));
    e.add(new EntryPoint("ScheduledThreadPoolExecutor.execute", stpe,
        (p, t) -> asRunnable(t, p::execute), true));
    e.add(new EntryPoint("ScheduledThreadPoolExecutor.submit(Callable)", stpe,
        (p, t) -> p.submit(t), true));
    e.add(new EntryPoint("ForkJoinPool.execute", fjp, (p, t) -> asRunnable(t, p::execute), true));
    e.add(new EntryPoint("ForkJoinPool.submit(Runnable)", fjp,
        ExecutorsModuleTest::submitRunnable, true));
    e.add(new EntryPoint("ForkJoinPool.submit(Callable)", fjp, (p, t) -> p.submit(t), true));
    e.add(new EntryPoint("ForkJoinPool.commonPool().execute", common,
        (p, t) -> asRunnable(t, p::execute), false));
    e.add(new EntryPoint("ForkJoinPool.commonPool().submit(Callable)", common,
        (p, t) -> p.submit(t), false));
    e.add(new EntryPoint("CompletableFuture.supplyAsync", none,
        (p, t) -> CompletableFuture.supplyAsync(unchecked(t)), false));
    e.add(new EntryPoint("CompletableFuture.runAsync", none,
        (p, t) -> asRunnable(t, CompletableFuture::runAsync), false));
    e.add(new EntryPoint("CompletableFuture.supplyAsync(executor)", tpe,
        (p, t) -> CompletableFuture.supplyAsync(unchecked(t), p), true));
    e.add(new EntryPoint("CompletableFuture.runAsync(executor)", fjp,
        (p, t) -> asRunnable(t, r -> CompletableFuture.runAsync(r, p)), true));
    e.add(new EntryPoint("Thread.start", none,
        (p, t) -> asRunnable(t, r -> new Thread(r).start()), false));
    if (onJdk21OrLater()) {
      PoolFactory virtual = () -> executorsFactory("newVirtualThreadPerTaskExecutor");
      e.add(new EntryPoint("newVirtualThreadPerTaskExecutor().execute", virtual,
          (p, t) -> asRunnable(t, p::execute), false));
      e.add(new EntryPoint("newVirtualThreadPerTaskExecutor().submit(Runnable)", virtual,
          ExecutorsModuleTest::submitRunnable, false));
      e.add(new EntryPoint("newVirtualThreadPerTaskExecutor().submit(Callable)", virtual,
          (p, t) -> p.submit(t), false));
      e.add(new EntryPoint("newThreadPerTaskExecutor(platform threads).execute",
          () -> executorsFactory("newThreadPerTaskExecutor", Executors.defaultThreadFactory()),
          (p, t) -> asRunnable(t, p::execute), false));
      e.add(new EntryPoint("newVirtualThreadPerTaskExecutor().invokeAll", virtual,
          (p, t) -> p.invokeAll(List.of(t)).get(0), false));
      e.add(new EntryPoint("newVirtualThreadPerTaskExecutor().invokeAny", virtual,
          (p, t) -> CompletableFuture.completedFuture(p.invokeAny(List.of(t))), false));
      e.add(new EntryPoint("Thread.ofVirtual().start", none,
          (p, t) -> asVirtualThread(t, r -> ThreadBuilders.start(ThreadBuilders.ofVirtual(), r)),
          false));
      e.add(new EntryPoint("Thread.ofVirtual().unstarted, then start", none,
          (p, t) -> asVirtualThread(t, r -> ThreadBuilders.unstarted(ThreadBuilders.ofVirtual(), r)),
          false));
      e.add(new EntryPoint("Thread.startVirtualThread", none,
          (p, t) -> asVirtualThread(t, ThreadBuilders::startVirtualThread), false));
      e.add(new EntryPoint("Thread.ofVirtual().factory().newThread, then start", none,
          (p, t) -> asVirtualThread(t,
              r -> ThreadBuilders.factory(ThreadBuilders.ofVirtual()).newThread(r)), false));
      e.add(new EntryPoint("Thread.ofPlatform().start", none,
          (p, t) -> asRunnable(t, r -> {
            try {
              ThreadBuilders.start(ThreadBuilders.ofPlatform(), r);
            } catch (Exception x) {
              throw new IllegalStateException(x);
            }
          }), false));
    }
    if (Runtime.version().feature() == 25) {
      // The structured task scope's API as JDK 25 previews it (open, fork, join); the jdk25
      // execution runs with --enable-preview. Its subtasks' threads start through
      // VirtualThread.start(ThreadContainer) (or Thread's, for a platform thread factory).
      e.add(new EntryPoint("StructuredTaskScope.fork (virtual threads)", none,
          (p, t) -> CompletableFuture.completedFuture(ThreadBuilders.forkAndJoin(t, null)),
          false));
      e.add(new EntryPoint("StructuredTaskScope.fork (platform thread factory)", none,
          (p, t) -> CompletableFuture.completedFuture(
              ThreadBuilders.forkAndJoin(t, ThreadBuilders.factory(ThreadBuilders.ofPlatform()))),
          false));
    }
    if (forkJoinPoolSchedules()) {
      e.add(new EntryPoint("ForkJoinPool.schedule(Callable)", fjp,
          (p, t) -> scheduler(p).schedule(t, 1, MILLISECONDS), true));
      e.add(new EntryPoint("ForkJoinPool.schedule(Runnable)", fjp,
          (p, t) -> asRunnable(t, r -> scheduler(p).schedule(r, 1, MILLISECONDS)), true));
    }
    return e;
  }

  static <T> java.util.function.Supplier<T> unchecked(Callable<T> task) {
    return () -> {
      try {
        return task.call();
      } catch (RuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    };
  }

  static void shutDown(ExecutorService pool) throws InterruptedException {
    if (pool != null && pool != ForkJoinPool.commonPool()) {
      pool.shutdownNow();
      assertTrue(pool.awaitTermination(10, SECONDS), "the pool " + pool + " stops");
    }
  }

  /** Hands the task over inside the caller's span (or outside any span) and waits for it. */
  static Seen handOver(EntryPoint entry, ExecutorService pool, SpanContext caller)
      throws Exception {
    Future<Seen> seen;
    if (caller == null) {
      seen = entry.handoff.handOver(pool, ExecutorsModuleTest::probe);
    } else {
      try (Scope ignored = enter(caller)) {
        seen = entry.handoff.handOver(pool, ExecutorsModuleTest::probe);
      }
    }
    assertFalse(Span.current().getSpanContext().isValid(), "the caller's scope is closed");
    return seen.get(10, SECONDS);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("entryPoints")
  void aTaskRunsInTheSpanThatHandedItOverAndLeavesNothingOnItsThread(EntryPoint entry)
      throws Exception {
    ExecutorService pool = entry.pool.create();
    try {
      // The first task also makes a one-thread pool start its worker, inside the span.
      SpanContext first = newCaller();
      Seen inFirst = handOver(entry, pool, first);
      Seen outside = handOver(entry, pool, null);
      SpanContext second = newCaller();
      Seen inSecond = handOver(entry, pool, second);
      Seen outsideAgain = handOver(entry, pool, null);

      assertRanIn(first, inFirst);
      assertRanOutsideAnyTrace(outside);
      assertRanIn(second, inSecond);
      assertRanOutsideAnyTrace(outsideAgain);
      for (Seen seen : List.of(inFirst, outside, inSecond, outsideAgain)) {
        assertNotSame(Thread.currentThread(), seen.thread, "the task ran on another thread");
        if (entry.oneThread) {
          assertSame(inFirst.thread, seen.thread, "every task ran on the pool's one thread");
        }
      }
      assertEquals(4, weft.spans().size(), weft.spans().toString());
      assertEquals(4, received.size());
      assertEquals(0, weft.counter("weft_agent_errors_total", "module", "executors"));
    } finally {
      shutDown(pool);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // CompletableFuture's dependent stages

  /**
   * An async stage runs in the context of the code that declared it, not of the thread that
   * completed its source (here another thread, inside another span).
   */
  @Test
  void anAsyncStageRunsInTheSpanThatDeclaredItNotInTheOneThatCompletedItsSource()
      throws Exception {
    ExecutorService pool = oneThreadPool();
    ForkJoinPool forkJoin = new ForkJoinPool(1);
    try {
      CompletableFuture<String> source = new CompletableFuture<>();
      SpanContext declaring = newCaller();
      CompletableFuture<Seen> onPool;
      CompletableFuture<Seen> onForkJoin;
      CompletableFuture<Seen> onDefault;
      CompletableFuture<Seen> combined;
      try (Scope ignored = enter(declaring)) {
        onPool = source.thenApplyAsync(v -> probe(), pool);
        onForkJoin = source.thenApplyAsync(v -> probe(), forkJoin);
        onDefault = source.thenApplyAsync(v -> probe());
        CompletableFuture<String> other = CompletableFuture.completedFuture("y");
        combined = source.thenCombineAsync(other, (a, b) -> probe(), pool);
      }
      CompletableFuture<Seen> declaredOutside = source.thenApplyAsync(v -> probe(), pool);

      SpanContext completing = newCaller();
      Thread completer =
          new Thread(
              () -> {
                try (Scope ignored = enter(completing)) {
                  source.complete("x");
                }
              });
      completer.start();
      completer.join(10_000);

      assertRanIn(declaring, onPool.get(10, SECONDS));
      assertRanIn(declaring, onForkJoin.get(10, SECONDS));
      assertRanIn(declaring, onDefault.get(10, SECONDS));
      assertRanIn(declaring, combined.get(10, SECONDS));
      assertRanOutsideAnyTrace(declaredOutside.get(10, SECONDS));
      assertEquals(5, weft.spans().size());
    } finally {
      shutDown(pool);
      shutDown(forkJoin);
    }
  }

  /**
   * An async stage declared on a future that is already complete is handed to its executor at
   * once, by the declaring code: it runs in that code's span too.
   */
  @Test
  void anAsyncStageDeclaredOnACompletedFutureRunsInTheSpanThatDeclaredIt() throws Exception {
    ExecutorService pool = oneThreadPool();
    ForkJoinPool forkJoin = new ForkJoinPool(1);
    try {
      CompletableFuture<String> done = CompletableFuture.completedFuture("x");
      SpanContext declaring = newCaller();
      List<CompletableFuture<Seen>> stages = new ArrayList<>();
      try (Scope ignored = enter(declaring)) {
        stages.add(done.thenApplyAsync(v -> probe(), pool));
        stages.add(done.thenApplyAsync(v -> probe(), forkJoin));
        stages.add(done.handleAsync((v, t) -> probe(), pool));
        stages.add(done.thenComposeAsync(v -> CompletableFuture.completedFuture(probe()), pool));
        stages.add(done.thenCombineAsync(done, (a, b) -> probe(), forkJoin));
        stages.add(done.thenApplyAsync(v -> probe()));
      }
      for (CompletableFuture<Seen> stage : stages) {
        assertRanIn(declaring, stage.get(10, SECONDS));
      }
      // And outside any span, a stage on a completed future runs outside any trace.
      assertRanOutsideAnyTrace(done.thenApplyAsync(v -> probe(), pool).get(10, SECONDS));
      assertEquals(stages.size() + 1, weft.spans().size());
    } finally {
      shutDown(pool);
      shutDown(forkJoin);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // What is deliberately not carried, and the application's own objects

  /** Periodic tasks are not part of the request that scheduled them. */
  @Test
  void aPeriodicTaskScheduledInsideASpanRunsOutsideAnyTrace() throws Exception {
    ScheduledThreadPoolExecutor pool = new ScheduledThreadPoolExecutor(1);
    try {
      List<Seen> atFixedRate = new CopyOnWriteArrayList<>();
      List<Seen> withFixedDelay = new CopyOnWriteArrayList<>();
      CountDownLatch fourRuns = new CountDownLatch(4);
      AtomicInteger rateRuns = new AtomicInteger();
      AtomicInteger delayRuns = new AtomicInteger();
      ScheduledFuture<?> rate;
      ScheduledFuture<?> delay;
      try (Scope ignored = enter(newCaller())) {
        rate = pool.scheduleAtFixedRate(
            () -> {
              if (rateRuns.getAndIncrement() < 2) {
                atFixedRate.add(probe());
                fourRuns.countDown();
              }
            },
            0, 5, MILLISECONDS);
        delay = pool.scheduleWithFixedDelay(
            () -> {
              if (delayRuns.getAndIncrement() < 2) {
                withFixedDelay.add(probe());
                fourRuns.countDown();
              }
            },
            0, 5, MILLISECONDS);
      }
      assertTrue(fourRuns.await(10, SECONDS), "two runs of each periodic task");
      rate.cancel(false);
      delay.cancel(false);
      for (Seen seen : atFixedRate) {
        assertRanOutsideAnyTrace(seen);
      }
      for (Seen seen : withFixedDelay) {
        assertRanOutsideAnyTrace(seen);
      }
      assertEquals(4, weft.spans().size());
    } finally {
      shutDown(pool);
    }
  }

  /**
   * A task that throws: the application gets its own exception, and the pool's next task (on the
   * same thread, or on the worker that replaces one that died) carries nothing of the failed
   * task's span.
   */
  @Test
  void aFailingTasksExceptionIsTheApplicationsAndItsSpanDoesNotOutliveIt() throws Exception {
    // The worker that ran the executed task hands its exception to this handler as it dies.
    CompletableFuture<Throwable> uncaught = new CompletableFuture<>();
    ThreadFactory catching =
        r -> {
          Thread t = new Thread(r);
          t.setUncaughtExceptionHandler((thread, e) -> uncaught.complete(e));
          return t;
        };
    ThreadPoolExecutor pool =
        new ThreadPoolExecutor(1, 1, 0, MILLISECONDS, new LinkedBlockingQueue<>(), catching);
    ForkJoinPool forkJoin = new ForkJoinPool(1);
    try {
      IllegalStateException failure = new IllegalStateException("the application's failure");
      Callable<Seen> failing = () -> {
        throw failure;
      };
      Future<Seen> submitted;
      Future<Seen> submittedToForkJoin;
      try (Scope ignored = enter(newCaller())) {
        submitted = pool.submit(failing);
        submittedToForkJoin = forkJoin.submit(failing);
        pool.execute(
            () -> {
              throw failure;
            });
      }
      ExecutionException e =
          assertThrows(ExecutionException.class, () -> submitted.get(10, SECONDS));
      assertSame(failure, e.getCause());
      ExecutionException f =
          assertThrows(ExecutionException.class, () -> submittedToForkJoin.get(10, SECONDS));
      // ForkJoinTask.get may hand back a copy of the exception made on the waiting thread,
      // with the original as its cause.
      assertTrue(
          f.getCause() == failure || f.getCause().getCause() == failure, String.valueOf(f));
      // The executed task's exception reached the thread's handler as the application threw it.
      assertSame(failure, uncaught.get(10, SECONDS));

      assertRanOutsideAnyTrace(pool.submit(ExecutorsModuleTest::probe).get(10, SECONDS));
      assertRanOutsideAnyTrace(forkJoin.submit(ExecutorsModuleTest::probe).get(10, SECONDS));
      assertEquals(2, weft.spans().size());
    } finally {
      shutDown(pool);
      shutDown(forkJoin);
    }
  }

  /**
   * A submitted task is queued as the application's own future (its context travels inside it),
   * so the pool's queue and {@code shutdownNow()} hand back exactly what {@code submit} returned.
   */
  @Test
  void aPoolsQueueHoldsTheApplicationsOwnFutures() throws Exception {
    ThreadPoolExecutor pool = (ThreadPoolExecutor) Executors.newFixedThreadPool(1);
    CountDownLatch release = new CountDownLatch(1);
    try {
      CountDownLatch busy = new CountDownLatch(1);
      pool.execute(
          () -> {
            busy.countDown();
            try {
              release.await(10, SECONDS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          });
      assertTrue(busy.await(10, SECONDS));
      Future<?> first;
      Future<?> second;
      try (Scope ignored = enter(newCaller())) {
        first = pool.submit(() -> {});
        second = pool.submit(() -> "x");
      }
      BlockingQueue<Runnable> queue = pool.getQueue();
      assertEquals(List.of(first, second), new ArrayList<>(queue));
      List<Runnable> notRun = pool.shutdownNow();
      assertEquals(List.of(first, second), notRun);
    } finally {
      release.countDown();
      shutDown(pool);
    }
  }
}
