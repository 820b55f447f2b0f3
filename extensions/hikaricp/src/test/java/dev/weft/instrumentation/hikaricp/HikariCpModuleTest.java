package dev.weft.instrumentation.hikaricp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.weft.testing.WeftAgentExtension;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The hikaricp module in process: real HikariCP pools of real PostgreSQL connections
 * (127.0.0.1:5432), read through the gauges and the acquire-time histogram of docs/metrics.md.
 */
class HikariCpModuleTest {

  @RegisterExtension
  static final WeftAgentExtension weft = WeftAgentExtension.modules("hikaricp");

  private static final String ACQUIRE = "db_client_connection_acquire_duration_seconds";
  private static final int MAX = 3;

  private static HikariDataSource pool(String name, long connectionTimeoutMillis) {
    HikariConfig config = new HikariConfig();
    config.setPoolName(name);
    config.setJdbcUrl("jdbc:postgresql://127.0.0.1:5432/test");
    config.setUsername("postgres");
    config.setPassword("");
    config.setMaximumPoolSize(MAX);
    config.setMinimumIdle(MAX);
    config.setConnectionTimeout(connectionTimeoutMillis);
    return new HikariDataSource(config);
  }

  /** Polls (every 5 ms, for at most 10 s) until the condition holds. */
  private static boolean await(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 10_000;
    while (!condition.getAsBoolean()) {
      if (System.currentTimeMillis() > deadline) {
        return false;
      }
      Thread.sleep(5);
    }
    return true;
  }

  @Test
  void theGaugesAreWhatThePoolReportsAndEachBorrowIsTimedOnce() throws Exception {
    String name = "weft-pool-gauges";
    try (HikariDataSource ds = pool(name, 1000)) {
      // Let the pool fill to its minimum idle, which it does on its own thread.
      assertTrue(
          await(() -> weft.gauge("db_client_connections_idle", "pool", name) == MAX),
          "the pool did not fill");
      assertEquals(0, weft.gauge("db_client_connections_active", "pool", name));
      assertEquals(MAX, weft.gauge("db_client_connections_max", "pool", name));
      assertEquals(0, weft.gauge("db_client_connections_pending", "pool", name));

      int n = 5;
      for (int i = 0; i < n; i++) {
        try (Connection c = ds.getConnection()) {
          assertTrue(c.isValid(1));
        }
      }
      List<Connection> held = new ArrayList<>();
      held.add(ds.getConnection());
      held.add(ds.getConnection());
      assertEquals(2, weft.gauge("db_client_connections_active", "pool", name));
      assertEquals(MAX - 2, weft.gauge("db_client_connections_idle", "pool", name));
      assertEquals(0, weft.gauge("db_client_connections_pending", "pool", name));
      for (Connection c : held) {
        c.close();
      }
      assertEquals(0, weft.gauge("db_client_connections_active", "pool", name));
      assertEquals(MAX, weft.gauge("db_client_connections_idle", "pool", name));

      assertEquals(n + 2, weft.histogramCount(ACQUIRE, "pool", name, "status", "ok"));
      assertEquals(0, weft.histogramCount(ACQUIRE, "pool", name, "status", "error"));
      Map<Map<String, String>, Double> changed = weft.changedSeries(ACQUIRE);
      assertEquals(1, changed.size(), changed.toString());
    }
    // A pool that is shut down disappears.
    assertFalse(weft.hasSeries("db_client_connections_max", "pool", name));
    assertFalse(weft.hasSeries("db_client_connections_active", "pool", name));
    assertEquals(0, weft.counter("weft_agent_errors_total", "module", "hikaricp"));
  }

  @Test
  void aWaitingThreadIsPendingAndATimedOutBorrowCountsAsError() throws Exception {
    String name = "weft-pool-exhausted";
    try (HikariDataSource ds = pool(name, 1000)) {
      List<Connection> held = new ArrayList<>();
      for (int i = 0; i < MAX; i++) {
        held.add(ds.getConnection());
      }
      assertEquals(MAX, weft.gauge("db_client_connections_active", "pool", name));
      assertEquals(0, weft.gauge("db_client_connections_idle", "pool", name));

      // A borrower that waits: pending until a connection comes back, then served.
      CompletableFuture<Boolean> served =
          CompletableFuture.supplyAsync(
              () -> {
                try (Connection c = ds.getConnection()) {
                  return c.isValid(1);
                } catch (SQLException e) {
                  throw new IllegalStateException(e);
                }
              });
      assertTrue(
          await(() -> weft.gauge("db_client_connections_pending", "pool", name) == 1),
          "no thread was seen waiting");
      held.remove(0).close();
      assertTrue(served.get(10, TimeUnit.SECONDS));
      assertEquals(0, weft.gauge("db_client_connections_pending", "pool", name));

      // All connections lent again: a borrower times out after connectionTimeout.
      held.add(ds.getConnection());
      assertThrows(SQLTransientConnectionException.class, ds::getConnection);
      for (Connection c : held) {
        c.close();
      }

      // MAX + (the waiter) + 1 borrowed without error; one timed out.
      assertEquals(MAX + 2, weft.histogramCount(ACQUIRE, "pool", name, "status", "ok"));
      assertEquals(1, weft.histogramCount(ACQUIRE, "pool", name, "status", "error"));
      assertEquals(2, weft.changedSeries(ACQUIRE).size());
    }
  }
}
