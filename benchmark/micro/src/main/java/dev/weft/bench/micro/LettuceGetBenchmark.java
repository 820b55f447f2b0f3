package dev.weft.bench.micro;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * A GET against the machine's Redis (127.0.0.1:6379) with Lettuce's sync API: the command is
 * dispatched on the benchmark thread and completed on Lettuce's I/O thread.
 */
@State(Scope.Benchmark)
public class LettuceGetBenchmark {

  private static final String KEY = "weft:bench:micro:lettuce";

  private RedisClient client;
  private StatefulRedisConnection<String, String> connection;
  private RedisCommands<String, String> redis;

  @Setup(Level.Trial)
  public void connect() {
    client = RedisClient.create(
        RedisURI.create(System.getProperty("bench.redis.host", "127.0.0.1"), 6379));
    connection = client.connect();
    redis = connection.sync();
    redis.set(KEY, "value");
  }

  @Benchmark
  public String get() {
    return redis.get(KEY);
  }

  @TearDown(Level.Trial)
  public void close() {
    redis.del(KEY);
    connection.close();
    client.shutdown();
  }
}
