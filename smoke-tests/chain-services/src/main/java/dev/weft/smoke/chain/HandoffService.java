package dev.weft.smoke.chain;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The "handoff" role: a JDK HttpServer whose {@code /handoff/<kind>} hands the request's work to
 * another thread in one of the ways applications do, and whose task calls this same service's
 * {@code /leaf} with {@code HttpURLConnection}. With Weft, that call's CLIENT span must be a child
 * of the {@code /handoff} SERVER span, whatever the kind:
 *
 * <pre>
 * execute           ThreadPoolExecutor.execute(lambda)
 * submit            ThreadPoolExecutor.submit(callable)
 * invokeAll         ThreadPoolExecutor.invokeAll([callable])
 * schedule          ScheduledThreadPoolExecutor.schedule(callable, 1 ms)
 * forkjoin-execute  new ForkJoinPool(2).execute(lambda)
 * forkjoin-submit   ForkJoinPool.commonPool().submit(callable)
 * supplyAsync       CompletableFuture.supplyAsync(supplier)            (default async executor)
 * supplyAsync-pool  CompletableFuture.supplyAsync(supplier, pool)
 * thenApplyAsync    a stage declared on an incomplete future, completed later by a thread
 *                   that has no trace context
 * thread            new Thread(runnable).start()
 * virtual           Executors.newVirtualThreadPerTaskExecutor().submit(callable) (JDK 21+; 404 before)
 * grow              a single-thread pool's first task: the pool creates its worker in the request
 * stale             a task given to that same pool by a background thread with no context: its
 *                   call must not join the trace of the request that made the worker
 * </pre>
 *
 * The service answers {@code <kind>:leaf} when the task's call succeeded.
 */
final class HandoffService {

  private final int port;
  private final ExecutorService pool = Executors.newFixedThreadPool(2);
  private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(1);
  private final ForkJoinPool forkJoin = new ForkJoinPool(2);
  private final ExecutorService lazy = Executors.newSingleThreadExecutor();
  /** Work for the background thread, which never has a trace context. */
  private final BlockingQueue<Runnable> background = new LinkedBlockingQueue<>();

  private HandoffService(int port) {
    this.port = port;
  }

  static void start(int port) throws IOException {
    new HandoffService(port).serve();
  }

  private void serve() throws IOException {
    Thread backgroundThread =
        new Thread(
            () -> {
              while (true) {
                try {
                  background.take().run();
                } catch (InterruptedException e) {
                  return;
                } catch (RuntimeException e) {
                  e.printStackTrace();
                }
              }
            },
            "handoff-background");
    backgroundThread.setDaemon(true);
    backgroundThread.start();

    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 64);
    server.createContext("/leaf", exchange -> respond(exchange, 200, "leaf"));
    server.createContext(
        "/handoff/",
        exchange -> {
          String kind = exchange.getRequestURI().getPath().substring("/handoff/".length());
          try {
            String result = handoff(kind);
            if (result == null) {
              respond(exchange, 404, "unknown or unsupported kind " + kind);
            } else {
              respond(exchange, 200, kind + ":" + result);
            }
          } catch (Exception e) {
            respond(exchange, 500, e.toString());
          }
        });
    server.setExecutor(Executors.newFixedThreadPool(4));
    server.start();
  }

  private String handoff(String kind) throws Exception {
    Callable<String> call = this::callLeaf;
    switch (kind) {
      case "execute":
        return viaRunnable(pool::execute);
      case "submit":
        return pool.submit(call).get(10, TimeUnit.SECONDS);
      case "invokeAll":
        return pool.invokeAll(List.of(call)).get(0).get(10, TimeUnit.SECONDS);
      case "schedule":
        return scheduler.schedule(call, 1, TimeUnit.MILLISECONDS).get(10, TimeUnit.SECONDS);
      case "forkjoin-execute":
        return viaRunnable(forkJoin::execute);
      case "forkjoin-submit":
        return ForkJoinPool.commonPool().submit(call).get(10, TimeUnit.SECONDS);
      case "supplyAsync":
        return CompletableFuture.supplyAsync(this::callLeafUnchecked).get(10, TimeUnit.SECONDS);
      case "supplyAsync-pool":
        return CompletableFuture.supplyAsync(this::callLeafUnchecked, pool).get(10, TimeUnit.SECONDS);
      case "thenApplyAsync":
        {
          CompletableFuture<String> source = new CompletableFuture<>();
          CompletableFuture<String> stage =
              source.thenApplyAsync(ignored -> callLeafUnchecked(), pool);
          // Completed by a thread without context, after the stage was declared.
          background.put(() -> source.complete("go"));
          return stage.get(10, TimeUnit.SECONDS);
        }
      case "thread":
        return viaRunnable(task -> new Thread(task, "handoff-thread").start());
      case "virtual":
        return virtual(call);
      case "grow":
        return viaRunnable(lazy::execute);
      case "stale":
        {
          AtomicReference<String> result = new AtomicReference<>();
          CountDownLatch done = new CountDownLatch(1);
          background.put(
              () ->
                  lazy.execute(
                      () -> {
                        result.set(callLeafUnchecked());
                        done.countDown();
                      }));
          return done.await(10, TimeUnit.SECONDS) ? result.get() : "timeout";
        }
      default:
        return null;
    }
  }

  /** Runs the call on whatever thread {@code executor} picks and waits for it. */
  private String viaRunnable(java.util.function.Consumer<Runnable> executor)
      throws InterruptedException {
    AtomicReference<String> result = new AtomicReference<>();
    CountDownLatch done = new CountDownLatch(1);
    executor.accept(
        () -> {
          try {
            result.set(callLeafUnchecked());
          } finally {
            done.countDown();
          }
        });
    return done.await(10, TimeUnit.SECONDS) ? result.get() : "timeout";
  }

  private static String virtual(Callable<String> call) throws Exception {
    ExecutorService virtualThreads;
    try {
      // Compiled for Java 17: reached by name on JDK 21 and later.
      virtualThreads =
          (ExecutorService) Executors.class.getMethod("newVirtualThreadPerTaskExecutor").invoke(null);
    } catch (NoSuchMethodException notBefore21) {
      return null;
    }
    try {
      Future<String> f = virtualThreads.submit(call);
      return f.get(10, TimeUnit.SECONDS);
    } finally {
      virtualThreads.shutdown();
    }
  }

  private String callLeafUnchecked() {
    try {
      return callLeaf();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private String callLeaf() throws IOException {
    HttpURLConnection c =
        (HttpURLConnection) URI.create("http://127.0.0.1:" + port + "/leaf").toURL().openConnection();
    c.setConnectTimeout(5000);
    c.setReadTimeout(5000);
    try (InputStream in = c.getInputStream()) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static void respond(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }
}
