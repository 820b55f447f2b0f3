package dev.weft.smoke;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * {@code /hop/<id>}: logs that it received the request, hands a piece of work to a new thread
 * (a virtual one, {@code Thread.startVirtualThread}, where the JDK has them) and another to a
 * shared executor (a virtual-thread-per-task executor there), each of which logs, waits for both,
 * logs its answer and answers 200, or 500 for an id starting with {@code fail}. Each request
 * writes four lines that name its id: the smoke tests check that each carries the request's own
 * trace id and no other.
 */
final class HopHandler implements HttpHandler {

  private static final Logger LOG = Logger.getLogger("dev.weft.smoke.Hop");

  /** Handed work: one thread per task (virtual where the JDK has them), for every request. */
  private static final ExecutorService WORKERS = newWorkers();

  @Override
  public void handle(HttpExchange exchange) throws IOException {
    String id = exchange.getRequestURI().getPath().substring("/hop/".length());
    LOG.info("hop " + id + " received " + describe(Thread.currentThread()));
    try {
      Thread started = startThread(() -> LOG.info("hop " + id + " started thread "
          + describe(Thread.currentThread())));
      Future<?> submitted = WORKERS.submit(() -> LOG.info("hop " + id + " executor task "
          + describe(Thread.currentThread())));
      started.join(TimeUnit.SECONDS.toMillis(10));
      submitted.get(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      JdkHttpService.respond(exchange, 503, "interrupted\n");
      return;
    } catch (Exception e) {
      JdkHttpService.respond(exchange, 500, "hand-off failed: " + e + "\n");
      return;
    }
    int status = id.startsWith("fail") ? 500 : 200;
    LOG.info("hop " + id + " answered " + status);
    JdkHttpService.respond(exchange, status, "hop " + id + "\n");
  }

  static String describe(Thread thread) {
    return JdkHttpService.isVirtual(thread) ? "virtual=true" : "virtual=false";
  }

  /** {@code Thread.startVirtualThread(task)} where the JDK has it (21+), else a plain thread. */
  private static Thread startThread(Runnable task) {
    try {
      return (Thread) Thread.class.getMethod("startVirtualThread", Runnable.class)
          .invoke(null, task);
    } catch (NoSuchMethodException e) {
      Thread thread = new Thread(task);
      thread.start();
      return thread;
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(e);
    }
  }

  private static ExecutorService newWorkers() {
    ExecutorService virtual = JdkHttpService.newVirtualThreadPerTaskExecutorOrNull();
    return virtual != null ? virtual : Executors.newCachedThreadPool();
  }
}
