package dev.weft.smoke.logs;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A service whose log lines can be joined to its requests' traces.
 *
 * <pre>
 * java -cp log-service.jar:libs/logback-1.5.18/* dev.weft.smoke.logs.LogService \
 *     --framework logback|log4j2|jul --port N [--async]
 * </pre>
 *
 * <ul>
 *   <li>{@code GET /order/<id>} logs exactly three lines: {@code order <id> received} (INFO) on
 *       the server's thread ({@code http-<n>}), then, on the application pool ({@code
 *       app-pool-<n>}), {@code order <id> processing} (INFO) in a task given by {@code submit}
 *       and {@code order <id> done} (WARN) in a task that task gives by {@code
 *       CompletableFuture.supplyAsync(..., pool)}. It answers {@code ok <id>} once both ran. The
 *       first line is logged with {@code order_id=<id>} in the thread's MDC / ThreadContext.
 *   <li>{@code GET /tricky} logs {@link TrickyMessages#MESSAGES} at INFO, then two ERROR events
 *       with exceptions, and answers {@code ok tricky}.
 *   <li>A scheduler thread that never serves a request gives the same pool a task every 50 ms
 *       that logs {@code heartbeat <n> on <thread>}: pool threads log outside requests too.
 * </ul>
 *
 * It writes nothing but log lines: the start-up line {@code log-service listening on <port>}
 * goes through the framework too. Logback and Log4j2 write to stdout, java.util.logging's
 * ConsoleHandler to stderr.
 */
public final class LogService {

  static final String ORDERS = "dev.weft.smoke.logs.Orders";
  static final String HEARTBEAT = "dev.weft.smoke.logs.Heartbeat";
  static final String TRICKY = "dev.weft.smoke.logs.Tricky";

  private final AppLogging logging;
  private final AppLogging.Log orders;
  private final AppLogging.Log tricky;
  private final ExecutorService pool = Executors.newFixedThreadPool(16, named("app-pool-"));

  private LogService(AppLogging logging) {
    this.logging = logging;
    this.orders = logging.logger(ORDERS);
    this.tricky = logging.logger(TRICKY);
  }

  public static void main(String[] args) throws IOException {
    String framework = null;
    int port = -1;
    boolean async = false;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--framework":
          framework = args[++i];
          break;
        case "--port":
          port = Integer.parseInt(args[++i]);
          break;
        case "--async":
          async = true;
          break;
        default:
          throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    if (framework == null || port < 0) {
      throw new IllegalArgumentException(
          "usage: LogService --framework logback|log4j2|jul --port N [--async]");
    }
    AppLogging logging = AppLogging.configure(framework, async);
    new LogService(logging).serve(port);
  }

  private void serve(int port) throws IOException {
    // Room for 500 requests at once: most wait in the backlog or the executor's queue.
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 1000);
    server.setExecutor(Executors.newFixedThreadPool(64, named("http-")));
    server.createContext("/order/", this::order);
    server.createContext("/tricky", this::tricky);
    server.start();

    AppLogging.Log heartbeat = logging.logger(HEARTBEAT);
    AtomicLong beats = new AtomicLong();
    ScheduledExecutorService scheduler =
        Executors.newSingleThreadScheduledExecutor(named("heartbeat-scheduler-"));
    scheduler.scheduleAtFixedRate(
        () -> {
          long n = beats.incrementAndGet();
          pool.execute(() -> heartbeat.info("heartbeat " + n + " on " + Thread.currentThread().getName()));
        },
        0,
        50,
        TimeUnit.MILLISECONDS);

    logging.logger(LogService.class.getName()).info("log-service listening on " + port);
  }

  private void order(HttpExchange exchange) throws IOException {
    String id = exchange.getRequestURI().getPath().substring("/order/".length());
    if (id.isEmpty() || id.contains("/")) {
      respond(exchange, 404, "no such order");
      return;
    }
    try {
      logging.putContext("order_id", id);
      try {
        orders.info("order " + id + " received");
      } finally {
        logging.removeContext("order_id");
      }
      Future<CompletableFuture<String>> processing =
          pool.submit(
              () -> {
                orders.info("order " + id + " processing");
                return CompletableFuture.supplyAsync(
                    () -> {
                      orders.warn("order " + id + " done");
                      return id;
                    },
                    pool);
              });
      String done = processing.get(30, TimeUnit.SECONDS).get(30, TimeUnit.SECONDS);
      respond(exchange, 200, "ok " + done);
    } catch (Exception e) {
      respond(exchange, 500, e.toString());
    }
  }

  private void tricky(HttpExchange exchange) throws IOException {
    for (String message : TrickyMessages.MESSAGES) {
      tricky.info(message);
    }
    tricky.error(TrickyMessages.FAILURE_EVENT, TrickyMessages.failure());
    tricky.error(TrickyMessages.NO_MESSAGE_EVENT, TrickyMessages.failureWithoutMessage());
    respond(exchange, 200, "ok tricky");
  }

  private static void respond(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  private static ThreadFactory named(String prefix) {
    AtomicInteger count = new AtomicInteger();
    return task -> new Thread(task, prefix + count.incrementAndGet());
  }
}
