package dev.weft.smoke.redis;

import com.sun.net.httpserver.HttpServer;
import dev.weft.smoke.support.Caught;
import dev.weft.smoke.support.SmokeHttp;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPool;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.Transaction;

/**
 * Runs a known mix of Redis commands on command, against the machine's Redis (127.0.0.1:6379):
 *
 * <pre>
 * java -cp redis-service.jar:&lt;jedis&gt; dev.weft.smoke.redis.RedisService --port P --client pool|pooled
 *
 * GET /run?n=N&amp;k=K   SET x N, GET x N, INCR x N (the first K on a key holding text: error),
 *                      LPUSH x N (the first K on a string key: WRONGTYPE); answers
 *                      INCR=Exception,LPUSH=Exception (the simple names the application caught)
 * GET /pipeline        one pipeline of 100 commands: 40 SET, 40 INCR, 19 GET, 1 LPUSH on a
 *                      string key (an error reply inside the pipeline)
 * GET /multi           MULTI, 3 SET, 2 INCR, EXEC
 * GET /down?port=P&amp;m=M  M GETs to 127.0.0.1:P, where nothing listens; answers the exception
 *                      class the application saw
 * </pre>
 *
 * "client=pool" borrows a {@code Jedis} from a {@code JedisPool} for every command;
 * "client=pooled" uses a {@code JedisPooled} (Jedis 4 and later). Calls whose return types
 * changed between Jedis 3 and 4 ({@code long} for {@code Long}) go by reflection, so one jar runs
 * on every version.
 */
public final class RedisService {

  static final String TEXT = "weft:text";
  static final String LIST = "weft:list";
  static final String COUNTER = "weft:counter";

  private final JedisPool pool;
  private final Object pooled; // JedisPooled, or null

  private RedisService(boolean usePooled) throws Exception {
    if (usePooled) {
      pool = null;
      pooled =
          Class.forName("redis.clients.jedis.JedisPooled")
              .getConstructor(String.class, int.class)
              .newInstance("127.0.0.1", 6379);
    } else {
      pool = new JedisPool("127.0.0.1", 6379);
      pooled = null;
    }
    // Before the first scrape: the pool's connection exists and the keys are as the mix needs.
    command("set", TEXT, "abc");
    command("del", LIST);
    command("del", COUNTER);
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> options = SmokeHttp.options(args);
    int port = Integer.parseInt(options.get("port"));
    RedisService service = new RedisService("pooled".equals(options.get("client")));
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 16);
    server.createContext("/run", SmokeHttp.handler(service::run));
    server.createContext("/pipeline", SmokeHttp.handler(q -> service.pipeline()));
    server.createContext("/multi", SmokeHttp.handler(q -> service.multi()));
    server.createContext("/down", SmokeHttp.handler(RedisService::down));
    server.setExecutor(Executors.newSingleThreadExecutor());
    server.start();
    System.out.println("redis-service listening on http://127.0.0.1:" + port);
    System.out.flush();
  }

  /** One command on a borrowed Jedis (or the JedisPooled), by name; exceptions as thrown. */
  private Object command(String name, String key, String... values) throws Exception {
    if (pooled != null) {
      return invoke(pooled, name, key, values);
    }
    try (Jedis jedis = pool.getResource()) {
      return invoke(jedis, name, key, values);
    }
  }

  private static Object invoke(Object target, String name, String key, String... values)
      throws Exception {
    Method m;
    Object[] args;
    if (name.equals("lpush")) {
      m = target.getClass().getMethod(name, String.class, String[].class);
      args = new Object[] {key, values};
    } else if (values.length == 1) {
      m = target.getClass().getMethod(name, String.class, String.class);
      args = new Object[] {key, values[0]};
    } else {
      m = target.getClass().getMethod(name, String.class);
      args = new Object[] {key};
    }
    try {
      return m.invoke(target, args);
    } catch (InvocationTargetException e) {
      Throwable cause = e.getCause();
      throw cause instanceof Exception ? (Exception) cause : new RuntimeException(cause);
    }
  }

  private String run(Map<String, String> query) throws Exception {
    int n = Integer.parseInt(query.get("n"));
    int k = Integer.parseInt(query.get("k"));
    Caught caught = new Caught("INCR", "LPUSH");
    for (int i = 0; i < n; i++) {
      command("set", "weft:key:" + (i % 10), "value-" + i);
      command("get", "weft:key:" + (i % 10));
      boolean fail = i < k;
      try {
        command("incr", fail ? TEXT : COUNTER);
      } catch (Exception e) {
        caught.note("INCR", fail, e);
      }
      try {
        command("lpush", fail ? TEXT : LIST, "item-" + i);
      } catch (Exception e) {
        caught.note("LPUSH", fail, e);
      }
    }
    return caught.toString();
  }

  private String pipeline() {
    try (Jedis jedis = pool.getResource()) {
      Pipeline p = jedis.pipelined();
      Response<?> last = null;
      for (int i = 0; i < 40; i++) {
        p.set("weft:pipe:" + i, "v" + i);
        p.incr(COUNTER);
      }
      for (int i = 0; i < 19; i++) {
        p.get("weft:pipe:" + i);
      }
      last = p.lpush(TEXT, "x"); // WRONGTYPE, inside the pipeline
      p.sync();
      try {
        last.get();
        return "no error";
      } catch (RuntimeException expected) {
        return "ok:" + expected.getClass().getSimpleName();
      }
    }
  }

  private String multi() {
    try (Jedis jedis = pool.getResource()) {
      Transaction t = jedis.multi();
      t.set("weft:multi:a", "1");
      t.set("weft:multi:b", "2");
      t.set("weft:multi:c", "3");
      t.incr(COUNTER);
      t.incr(COUNTER);
      List<Object> results = t.exec();
      return "ok:" + results.size();
    }
  }

  private static String down(Map<String, String> query) {
    int port = Integer.parseInt(query.get("port"));
    int m = Integer.parseInt(query.get("m"));
    String seen = "";
    for (int i = 0; i < m; i++) {
      Jedis jedis = new Jedis("127.0.0.1", port);
      try {
        jedis.get("weft:key:0");
        seen = "NOT-THROWN";
      } catch (RuntimeException e) {
        String name = e.getClass().getSimpleName();
        seen = seen.isEmpty() || seen.equals(name) ? name : "MIXED";
      } finally {
        try {
          jedis.close();
        } catch (RuntimeException ignored) {
          // nothing to close: it never connected
        }
      }
    }
    return seen;
  }
}
