package dev.weft.smoke.lettuce;

import com.sun.net.httpserver.HttpServer;
import dev.weft.smoke.support.Caught;
import dev.weft.smoke.support.SmokeHttp;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.TransactionResult;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.reactive.RedisReactiveCommands;
import io.lettuce.core.api.sync.RedisCommands;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Runs a known mix of Redis commands on command with Lettuce, against the machine's Redis
 * (127.0.0.1:6379):
 *
 * <pre>
 * java -cp lettuce-service.jar:&lt;lettuce, netty, reactor&gt; dev.weft.smoke.lettuce.LettuceService \
 *     --port P [--down-port D]
 *
 * GET /run?api=sync|async|reactive&amp;n=N&amp;k=K
 *                   SET x N, GET x N, INCR x N (the first K on a key holding text: error reply),
 *                   LPUSH x N (the first K on a string key: WRONGTYPE); answers
 *                   INCR=Exception,LPUSH=Exception (the simple names the application caught;
 *                   for the async API, the cause of the future's ExecutionException)
 * GET /pipeline     one flush of 100 commands on a connection without auto-flush: 40 SET,
 *                   40 INCR, 19 GET, 1 LPUSH on a string key (an error reply inside it)
 * GET /multi        MULTI, 3 SET, 2 INCR, EXEC (sync API, its own connection)
 * GET /burst?n=N    N async INCRs issued at once on the shared connection, then awaited;
 *                   answers how many succeeded
 * GET /down?m=M     M sync GETs on the connection to 127.0.0.1:D (a Redis the test stops and
 *                   restarts), command timeout 500 ms; answers the exception class the
 *                   application saw, or "ok" when every GET succeeded
 * </pre>
 */
public final class LettuceService {

  static final String TEXT = "weft:text";
  static final String LIST = "weft:list";
  static final String COUNTER = "weft:counter";

  private final StatefulRedisConnection<String, String> shared;
  private final StatefulRedisConnection<String, String> pipelined;
  private final StatefulRedisConnection<String, String> transactional;
  private final StatefulRedisConnection<String, String> down; // null without --down-port

  private LettuceService(int downPort) {
    RedisClient client = RedisClient.create(RedisURI.create("127.0.0.1", 6379));
    shared = client.connect();
    pipelined = client.connect();
    pipelined.setAutoFlushCommands(false);
    transactional = client.connect();
    if (downPort > 0) {
      RedisClient downClient =
          RedisClient.create(
              RedisURI.builder()
                  .withHost("127.0.0.1")
                  .withPort(downPort)
                  .withTimeout(Duration.ofMillis(500))
                  .build());
      down = downClient.connect();
    } else {
      down = null;
    }
    // Before the first scrape: the keys are as the mix needs.
    RedisCommands<String, String> sync = shared.sync();
    sync.set(TEXT, "abc");
    sync.del(LIST, COUNTER, "weft:burst");
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> options = SmokeHttp.options(args);
    int port = Integer.parseInt(options.get("port"));
    LettuceService service =
        new LettuceService(Integer.parseInt(options.getOrDefault("down-port", "0")));
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 64);
    server.createContext("/run", SmokeHttp.handler(service::run));
    server.createContext("/pipeline", SmokeHttp.handler(q -> service.pipeline()));
    server.createContext("/multi", SmokeHttp.handler(q -> service.multi()));
    server.createContext("/burst", SmokeHttp.handler(service::burst));
    server.createContext("/down", SmokeHttp.handler(service::down));
    server.setExecutor(Executors.newFixedThreadPool(16));
    server.start();
    System.out.println("lettuce-service listening on http://127.0.0.1:" + port);
    System.out.flush();
  }

  /** The calls of one API style, each returning once the command completed (or throwing). */
  interface Api {
    void set(String key, String value) throws Exception;

    void get(String key) throws Exception;

    void incr(String key) throws Exception;

    void lpush(String key, String value) throws Exception;
  }

  private Api api(String style) {
    switch (style) {
      case "sync":
        RedisCommands<String, String> sync = shared.sync();
        return new Api() {
          public void set(String key, String value) { sync.set(key, value); }
          public void get(String key) { sync.get(key); }
          public void incr(String key) { sync.incr(key); }
          public void lpush(String key, String value) { sync.lpush(key, value); }
        };
      case "async":
        RedisAsyncCommands<String, String> async = shared.async();
        return new Api() {
          public void set(String key, String value) throws Exception { await(async.set(key, value)); }
          public void get(String key) throws Exception { await(async.get(key)); }
          public void incr(String key) throws Exception { await(async.incr(key)); }
          public void lpush(String key, String value) throws Exception { await(async.lpush(key, value)); }
        };
      case "reactive":
        RedisReactiveCommands<String, String> reactive = shared.reactive();
        return new Api() {
          public void set(String key, String value) { reactive.set(key, value).block(); }
          public void get(String key) { reactive.get(key).block(); }
          public void incr(String key) { reactive.incr(key).block(); }
          public void lpush(String key, String value) { reactive.lpush(key, value).block(); }
        };
      default:
        throw new IllegalArgumentException("api must be sync, async or reactive: " + style);
    }
  }

  /** The future's value; its failure as the exception the command failed with. */
  private static void await(RedisFuture<?> future) throws Exception {
    try {
      future.get(10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      throw cause instanceof Exception ? (Exception) cause : e;
    }
  }

  private String run(Map<String, String> query) throws Exception {
    Api api = api(query.get("api"));
    int n = Integer.parseInt(query.get("n"));
    int k = Integer.parseInt(query.get("k"));
    Caught caught = new Caught("INCR", "LPUSH");
    for (int i = 0; i < n; i++) {
      api.set("weft:key:" + (i % 10), "value-" + i);
      api.get("weft:key:" + (i % 10));
      boolean fail = i < k;
      try {
        api.incr(fail ? TEXT : COUNTER);
      } catch (Exception e) {
        caught.note("INCR", fail, e);
      }
      try {
        api.lpush(fail ? TEXT : LIST, "item-" + i);
      } catch (Exception e) {
        caught.note("LPUSH", fail, e);
      }
    }
    return caught.toString();
  }

  private synchronized String pipeline() throws InterruptedException {
    RedisAsyncCommands<String, String> async = pipelined.async();
    List<RedisFuture<?>> futures = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      futures.add(async.set("weft:pipe:" + i, "v" + i));
      futures.add(async.incr(COUNTER));
    }
    for (int i = 0; i < 19; i++) {
      futures.add(async.get("weft:pipe:" + i));
    }
    RedisFuture<Long> last = async.lpush(TEXT, "x"); // WRONGTYPE, inside the pipeline
    futures.add(last);
    pipelined.flushCommands();
    for (RedisFuture<?> f : futures) {
      if (!f.await(10, TimeUnit.SECONDS)) {
        return "timed out";
      }
    }
    try {
      last.get();
      return "no error";
    } catch (Exception expected) {
      Throwable cause = expected instanceof ExecutionException ? expected.getCause() : expected;
      return "ok:" + cause.getClass().getSimpleName();
    }
  }

  private synchronized String multi() {
    RedisCommands<String, String> sync = transactional.sync();
    sync.multi();
    sync.set("weft:multi:a", "1");
    sync.set("weft:multi:b", "2");
    sync.set("weft:multi:c", "3");
    sync.incr(COUNTER);
    sync.incr(COUNTER);
    TransactionResult result = sync.exec();
    return "ok:" + result.size();
  }

  private String burst(Map<String, String> query) throws Exception {
    int n = Integer.parseInt(query.get("n"));
    RedisAsyncCommands<String, String> async = shared.async();
    List<RedisFuture<Long>> futures = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      futures.add(async.incr("weft:burst"));
    }
    int ok = 0;
    for (RedisFuture<Long> f : futures) {
      f.get(60, TimeUnit.SECONDS);
      ok++;
    }
    return Integer.toString(ok);
  }

  private String down(Map<String, String> query) {
    int m = Integer.parseInt(query.get("m"));
    RedisCommands<String, String> sync = down.sync();
    String seen = "";
    for (int i = 0; i < m; i++) {
      String name;
      try {
        sync.get("weft:key:0");
        name = "ok";
      } catch (RuntimeException e) {
        name = e.getClass().getSimpleName();
      }
      seen = seen.isEmpty() || seen.equals(name) ? name : "MIXED";
    }
    return seen;
  }
}
