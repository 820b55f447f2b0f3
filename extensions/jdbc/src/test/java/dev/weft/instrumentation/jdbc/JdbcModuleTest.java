package dev.weft.instrumentation.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.weft.testing.WeftAgentExtension;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The jdbc module in process, against the machine's PostgreSQL (5432) and MariaDB (3306) with
 * real drivers (and H2 in memory, which checks SQL at prepare time): run once with the lowest
 * drivers the module supports and once with the newest.
 */
class JdbcModuleTest {

  @RegisterExtension static final WeftAgentExtension weft = WeftAgentExtension.modules("jdbc");

  private static final String TABLE = "weft_module_test";
  private static final String OPS = "db_client_operations_total";
  private static final String DURATION = "db_client_operation_duration_seconds";

  private static Connection connect(String db) throws SQLException {
    switch (db) {
      case "postgresql":
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:5432/test", "postgres", "");
      case "mariadb":
        // Connector/J 3 and later ask for TLS by default; the machine's MariaDB serves plain TCP.
        return DriverManager.getConnection(
            "jdbc:mariadb://127.0.0.1:3306/test?sslMode=disable", "root", "");
      default:
        throw new IllegalArgumentException(db);
    }
  }

  /** Drivers that check the SQL when it is prepared: the statement fails before it exists. */
  private static Connection connectCheckingAtPrepare(String db) throws SQLException {
    switch (db) {
      case "h2":
        return DriverManager.getConnection("jdbc:h2:mem:weft_prepare;DB_CLOSE_DELAY=-1");
      case "mariadb":
        return DriverManager.getConnection(
            "jdbc:mariadb://127.0.0.1:3306/test?sslMode=disable&useServerPrepStmts=true", "root", "");
      default:
        throw new IllegalArgumentException(db);
    }
  }

  private static void createTable(Connection c) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute("CREATE TABLE IF NOT EXISTS " + TABLE + " (id INT)");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"postgresql", "mariadb"})
  void nQueriesWithKFailuresMoveTheCounterByExactlyNAndK(String db) throws SQLException {
    int n = 7;
    int k = 3;
    String errorType = null;
    try (Connection c = connect(db)) {
      createTable(c);
      long okBefore = (long) weft.counter(OPS, labels(db, "SELECT", TABLE, "ok", ""));
      assertEquals(0, okBefore);
      for (int i = 0; i < n - k; i++) {
        try (PreparedStatement ps = c.prepareStatement("SELECT id FROM " + TABLE + " WHERE id = ?")) {
          ps.setInt(1, i);
          try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              rs.getInt(1);
            }
          }
        }
      }
      for (int i = 0; i < k; i++) {
        try (Statement s = c.createStatement()) {
          SQLException thrown =
              assertThrows(SQLException.class, () -> s.executeQuery("SELECT id FROM weft_missing_table"));
          errorType = thrown.getClass().getSimpleName();
        }
      }
    }
    assertEquals(n - k, weft.counter(OPS, labels(db, "SELECT", TABLE, "ok", "")));
    assertEquals(n - k, weft.histogramCount(DURATION, labels(db, "SELECT", TABLE, "ok", "")));
    assertEquals(
        k, weft.counter(OPS, labels(db, "SELECT", "weft_missing_table", "error", errorType)));
    assertEquals(
        k, weft.histogramCount(DURATION, labels(db, "SELECT", "weft_missing_table", "error", errorType)));
    // Every SELECT of the test, and nothing else, under SELECT.
    double selects = 0;
    for (Map.Entry<Map<String, String>, Double> s : weft.changedSeries(OPS).entrySet()) {
      if (s.getKey().get("operation").equals("SELECT")) {
        selects += s.getValue();
      }
    }
    assertEquals(n, selects);
    assertEquals(0, weft.counter("weft_agent_errors_total", "module", "jdbc"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"h2", "mariadb"})
  void statementsFailingAtPrepareAndAtExecuteAreEachOneError(String db) throws SQLException {
    int k = 4; // fail at prepareStatement: the table does not exist
    int l = 3; // prepared, then fail at execute: a duplicate key
    String table = "weft_prepare_test";
    String missing = "weft_prepare_missing";
    Map<String, Integer> prepareErrors = new TreeMap<>();
    Map<String, Integer> executeErrors = new TreeMap<>();
    try (Connection c = connectCheckingAtPrepare(db)) {
      try (Statement s = c.createStatement()) {
        s.execute("DROP TABLE IF EXISTS " + table);
        s.execute("CREATE TABLE " + table + " (id INT PRIMARY KEY)");
        s.execute("INSERT INTO " + table + " (id) VALUES (1)");
      }
      for (int i = 0; i < k; i++) {
        SQLException thrown = assertThrows(SQLException.class, () -> {
          try (PreparedStatement ps = c.prepareStatement("SELECT id FROM " + missing + " WHERE id = ?")) {
            ps.setInt(1, 1);
            ps.executeQuery().close();
          }
        });
        prepareErrors.merge(thrown.getClass().getSimpleName(), 1, Integer::sum);
      }
      for (int i = 0; i < l; i++) {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + table + " (id) VALUES (?)")) {
          ps.setInt(1, 1);
          SQLException thrown = assertThrows(SQLException.class, ps::executeUpdate);
          executeErrors.merge(thrown.getClass().getSimpleName(), 1, Integer::sum);
        }
      }
    }
    assertEquals(Map.of(), errorsOf(db, "SELECT", missing, prepareErrors));
    assertEquals(Map.of(), errorsOf(db, "INSERT", table, executeErrors));
    // Nothing else failed, and the failed prepares made no success either.
    double errors = 0;
    for (Map.Entry<Map<String, String>, Double> s : weft.changedSeries(OPS).entrySet()) {
      if (s.getKey().get("status").equals("error")) {
        errors += s.getValue();
      }
    }
    assertEquals(k + l, errors);
    assertEquals(0, weft.counter(OPS, labels(db, "SELECT", missing, "ok", "")));
    assertEquals(0, weft.counter("weft_agent_errors_total", "module", "jdbc"));
  }

  @Test
  void aPrepareFailingThroughAPoolsProxyIsOneError() throws SQLException {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl("jdbc:h2:mem:weft_pool_prepare;DB_CLOSE_DELAY=-1");
    config.setMaximumPoolSize(1);
    String errorType = null;
    int k = 5;
    try (HikariDataSource pool = new HikariDataSource(config);
        Connection c = pool.getConnection()) {
      for (int i = 0; i < k; i++) {
        SQLException thrown = assertThrows(SQLException.class,
            () -> c.prepareStatement("UPDATE weft_pool_missing SET id = ?").close());
        errorType = thrown.getClass().getSimpleName();
      }
    }
    assertEquals(k, weft.counter(OPS, labels("h2", "UPDATE", "weft_pool_missing", "error", errorType)));
    assertEquals(
        k, weft.histogramCount(DURATION, labels("h2", "UPDATE", "weft_pool_missing", "error", errorType)));
  }

  /**
   * The expected errors (error_type to count) of one (system, operation, table) that the counter
   * and the histogram do not show; empty when both match exactly.
   */
  private static Map<String, String> errorsOf(
      String db, String operation, String table, Map<String, Integer> expected) {
    Map<String, String> wrong = new TreeMap<>();
    for (Map.Entry<String, Integer> e : expected.entrySet()) {
      String[] labels = labels(db, operation, table, "error", e.getKey());
      double counted = weft.counter(OPS, labels);
      double timed = weft.histogramCount(DURATION, labels);
      if (counted != e.getValue() || timed != e.getValue()) {
        wrong.put(e.getKey(), "expected " + e.getValue() + ", counter " + counted + ", histogram " + timed
            + "; changed: " + weft.changedSeries(OPS));
      }
    }
    return wrong;
  }

  @ParameterizedTest
  @ValueSource(strings = {"postgresql", "mariadb"})
  void eachStatementIsOneClientSpanNamedByOperationAndTable(String db) throws SQLException {
    try (Connection c = connect(db)) {
      createTable(c);
      int before = weft.spans().size();
      try (Statement s = c.createStatement()) {
        s.executeUpdate("INSERT INTO " + TABLE + " (id) VALUES (42)");
      }
      List<SpanData> spans = weft.spans();
      assertEquals(before + 1, spans.size());
      SpanData span = spans.get(spans.size() - 1);
      assertEquals("INSERT " + TABLE, span.getName());
      assertEquals(SpanKind.CLIENT, span.getKind());
      assertEquals(db, span.getAttributes().get(AttributeKey.stringKey("db.system")));
      assertEquals("INSERT", span.getAttributes().get(AttributeKey.stringKey("db.operation.name")));
      assertEquals(TABLE, span.getAttributes().get(AttributeKey.stringKey("db.collection.name")));
      assertEquals(
          "INSERT INTO " + TABLE + " (id) VALUES (?)",
          span.getAttributes().get(AttributeKey.stringKey("db.query.text")));
      assertEquals("127.0.0.1", span.getAttributes().get(AttributeKey.stringKey("server.address")));
      // No parent: nothing was current when the statement ran.
      assertEquals(false, span.getParentSpanContext().isValid());
    }
    assertEquals(1, weft.counter(OPS, labels(db, "INSERT", TABLE, "ok", "")));
  }

  private static String[] labels(
      String db, String operation, String table, String status, String errorType) {
    return new String[] {
      "db_system", db, "operation", operation, "table", table, "status", status, "error_type", errorType
    };
  }
}
