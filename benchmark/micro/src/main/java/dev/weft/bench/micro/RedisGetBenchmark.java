package dev.weft.bench.micro;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import redis.clients.jedis.Jedis;

/** A GET against the machine's Redis (127.0.0.1:6379) with Jedis. */
@State(Scope.Benchmark)
public class RedisGetBenchmark {

  private static final String KEY = "weft:bench:micro:get";

  private Jedis jedis;

  @Setup(Level.Trial)
  public void connect() {
    jedis = new Jedis(System.getProperty("bench.redis.host", "127.0.0.1"), 6379);
    jedis.set(KEY, "value");
  }

  @Benchmark
  public String get() {
    return jedis.get(KEY);
  }

  @TearDown(Level.Trial)
  public void close() {
    jedis.del(KEY);
    jedis.close();
  }
}
