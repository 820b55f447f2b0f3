package dev.weft.instrumentation.reactor.core.v3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.testing.WeftAgentExtension;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Hooks;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The reactor-core-3 module in process, on Reactor's real operators and schedulers (the lowest and
 * the newest supported Reactor Core, one surefire execution each). A caller makes a span context
 * current (as a server request would), subscribes a chain, and each step of the chain notes the
 * trace id current where it runs: it must be the caller's in every operator, across {@code
 * publishOn}, {@code subscribeOn}, {@code boundedElastic}, timers, {@code flatMap} fan-out and
 * signals emitted by a thread Weft knows nothing of (as a client's event loop delivers a
 * response); a chain subscribed with no context sees none; and no thread keeps a context after a
 * signal.
 */
class ReactorContextsModuleTest {

  @RegisterExtension
  static final WeftAgentExtension weft = WeftAgentExtension.modules("reactor-core-3");

  private static final String NONE = "none";

  /** Threads Weft does not weave (the executors module is not applied here). */
  private static final ScheduledExecutorService foreign = Executors.newScheduledThreadPool(4);

  @AfterAll
  static void stopForeign() {
    foreign.shutdownNow();
  }

  /** The trace id current on this thread, or "none". */
  static String traceId() {
    SpanContext current = Span.current().getSpanContext();
    return current.isValid() ? current.getTraceId() : NONE;
  }

  static String newTraceId() {
    return String.format(
        "%016x%016x", ThreadLocalRandom.current().nextLong(), ThreadLocalRandom.current().nextLong());
  }

  static Scope caller(String traceId) {
    SpanContext parent =
        SpanContext.create(
            traceId,
            String.format("%016x", ThreadLocalRandom.current().nextLong() | 1),
            TraceFlags.getSampled(),
            TraceState.getDefault());
    return Context.root().with(Span.wrap(parent)).makeCurrent();
  }

  /** A value emitted later by a thread with no context (no Weft module hands context to it). */
  static <T> Mono<T> fromForeignThread(T value, long delayMillis) {
    return Mono.create(
        sink -> foreign.schedule(() -> sink.success(value), delayMillis, TimeUnit.MILLISECONDS));
  }

  /**
   * The chain of the acceptance: {@code publishOn}, a {@code flatMap} over three inner
   * calls that complete elsewhere (a foreign thread, a timer, bounded-elastic), each step noting
   * the trace id it sees.
   */
  static Mono<List<String>> chain() {
    return Mono.fromCallable(ReactorContextsModuleTest::traceId)
        .publishOn(Schedulers.parallel())
        .map(first -> first + "," + traceId())
        .flatMapMany(
            seen ->
                Flux.range(0, 3)
                    .flatMap(
                        i -> {
                          Mono<String> inner;
                          if (i == 0) {
                            inner = fromForeignThread("foreign", 2);
                          } else if (i == 1) {
                            inner = Mono.delay(Duration.ofMillis(3)).map(x -> "timer");
                          } else {
                            inner =
                                Mono.fromCallable(() -> "elastic:" + traceId())
                                    .subscribeOn(Schedulers.boundedElastic());
                          }
                          return inner.map(v -> v + ":" + traceId());
                        })
                    .map(v -> seen + "," + v + "," + traceId()))
        .collectList();
  }

  /** Every trace id a chain's result names. */
  static List<String> idsIn(List<String> results) {
    List<String> ids = new ArrayList<>();
    for (String r : results) {
      for (String part : r.split("[,:]")) {
        if (part.length() == 32 || NONE.equals(part)) {
          ids.add(part);
        }
      }
    }
    return ids;
  }

  @Test
  void everyStepOfTheChainRunsInTheCallersContext() {
    String trace = newTraceId();
    List<String> results;
    try (Scope ignored = caller(trace)) {
      results = chain().block(Duration.ofSeconds(10));
    }
    assertEquals(3, results.size(), results.toString());
    List<String> ids = idsIn(results);
    // Per result: the callable, after publishOn, the inner step (elastic: twice), after flatMap.
    assertEquals(3 * 4 + 1, ids.size(), results.toString());
    for (String id : ids) {
      assertEquals(trace, id, results.toString());
    }
  }

  @Test
  void aChainSubscribedWithNoContextSeesNone() {
    List<String> results = chain().block(Duration.ofSeconds(10));
    for (String id : idsIn(results)) {
      assertEquals(NONE, id, results.toString());
    }
  }

  @Test
  void subscribeOnRunsTheSourceInTheSubscribersContext() {
    for (Scheduler scheduler :
        List.of(Schedulers.boundedElastic(), Schedulers.parallel(), Schedulers.single())) {
      String trace = newTraceId();
      try (Scope ignored = caller(trace)) {
        assertEquals(
            trace,
            Mono.fromCallable(ReactorContextsModuleTest::traceId)
                .subscribeOn(scheduler)
                .block(Duration.ofSeconds(10)),
            scheduler.toString());
      }
    }
  }

  @Test
  void aSignalFromAForeignThreadCarriesTheSubscribersContext() {
    String trace = newTraceId();
    String seen;
    try (Scope ignored = caller(trace)) {
      seen =
          fromForeignThread("v", 1)
              .map(v -> traceId())
              .filter(id -> !id.isEmpty())
              .block(Duration.ofSeconds(10));
    }
    assertEquals(trace, seen);
    // The foreign thread itself keeps nothing once the signal is through.
    assertTrue(
        Mono.fromFuture(
                java.util.concurrent.CompletableFuture.supplyAsync(
                    ReactorContextsModuleTest::traceId, foreign))
            .map(id -> id)
            .block(Duration.ofSeconds(10))
            .equals(NONE));
  }

  @Test
  void errorsAndCompletionAreSignalledInTheSubscribersContext() {
    String trace = newTraceId();
    Map<String, String> seen = new ConcurrentHashMap<>();
    try (Scope ignored = caller(trace)) {
      Mono<String> failing =
          fromForeignThread("x", 1).flatMap(v -> Mono.<String>error(new IllegalStateException()));
      String recovered =
          failing
              .doOnError(e -> seen.put("doOnError", traceId()))
              .onErrorResume(e -> Mono.just(traceId()))
              .block(Duration.ofSeconds(10));
      seen.put("onErrorResume", recovered);
      fromForeignThread("y", 1)
          .then()
          .doOnSuccess(v -> seen.put("doOnSuccess", traceId()))
          .block(Duration.ofSeconds(10));
    }
    assertEquals(
        Map.of("doOnError", trace, "onErrorResume", trace, "doOnSuccess", trace), seen);
  }

  /**
   * A thousand chains with a thousand trace ids, subscribed at once from eight threads, share the
   * same schedulers and foreign threads: each one's every step sees its own id and no other.
   */
  @Test
  void concurrentChainsNeverMixTheirContexts() throws Exception {
    int chains = 1000;
    ExecutorService callers = Executors.newFixedThreadPool(8);
    try {
      Map<String, Mono<List<String>>> started = new ConcurrentHashMap<>();
      List<java.util.concurrent.Future<?>> subscribed = new ArrayList<>();
      for (int i = 0; i < chains; i++) {
        subscribed.add(
            callers.submit(
                () -> {
                  String trace = newTraceId();
                  try (Scope ignored = caller(trace)) {
                    // cache(): subscribed now, in the caller's context; read after all started.
                    Mono<List<String>> result = chain().cache();
                    result.subscribe();
                    started.put(trace, result);
                  }
                }));
      }
      for (java.util.concurrent.Future<?> f : subscribed) {
        f.get(30, TimeUnit.SECONDS);
      }
      assertEquals(chains, started.size());
      int checked = 0;
      for (Map.Entry<String, Mono<List<String>>> e : started.entrySet()) {
        List<String> ids = idsIn(e.getValue().block(Duration.ofSeconds(30)));
        assertEquals(13, ids.size());
        for (String id : ids) {
          assertEquals(e.getKey(), id);
          checked++;
        }
      }
      assertEquals(chains * 13, checked);
    } finally {
      callers.shutdownNow();
    }
    // Afterwards the shared threads hold nothing: chains with no context see none on them.
    for (int i = 0; i < 50; i++) {
      for (String id : idsIn(chain().block(Duration.ofSeconds(10)))) {
        assertEquals(NONE, id);
      }
    }
  }

  @Test
  void theApplicationClearingEveryOperatorHookDoesNotStopPropagation() {
    Hooks.resetOnEachOperator();
    Schedulers.resetOnScheduleHooks();
    everyStepOfTheChainRunsInTheCallersContext();
  }
}
