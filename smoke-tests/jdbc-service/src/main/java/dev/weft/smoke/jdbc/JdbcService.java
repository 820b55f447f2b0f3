package dev.weft.smoke.jdbc;

import com.sun.net.httpserver.HttpServer;
import dev.weft.smoke.support.SmokeHttp;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.HikariPoolMXBean;
import java.net.InetSocketAddress;
import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A service that runs a known mix of JDBC statements on command:
 *
 * <pre>
 * java -cp jdbc-service.jar:&lt;driver&gt;:&lt;pool&gt; dev.weft.smoke.jdbc.JdbcService
 *     --port P --db postgresql|mariadb|h2 --pool none|hikari
 *
 * GET /run?n=N&amp;k=K   for each kind (plain, prepared, callable, batch): N executions, the
 *                      first K of which fail with an SQL error; answers kind=ExceptionClass lines
 *                      (the simple name of what the application caught)
 * GET /three           three statements with literals in one request
 * GET /distinct?from=A&amp;to=B   one statement per n in [A, B), each a text never run before: even n
 *                      select from weft_orders with n inlined (succeeds), odd n from the table
 *                      weft_gone_n, which does not exist (fails); answers ok=, error= and the
 *                      simple name of what the failures threw
 * GET /hold?n=H        borrows H connections from the pool and keeps them; /release gives back
 * GET /pool            what HikariCP's own MXBean says: active, idle, pending, total, max
 * </pre>
 *
 * Tables weft_orders and weft_batch and the routine weft_touch are created at start-up, before
 * "jdbc-service listening" is printed, so a test's first scrape comes after all set-up
 * statements. Without a pool, one connection opened at start-up serves every request.
 */
public final class JdbcService {

  private final String db;
  private final HikariDataSource pool; // null without a pool
  private final Connection single; // the connection without a pool
  private final AtomicInteger nextId = new AtomicInteger(1000);
  private final List<Connection> held = new ArrayList<>();

  private JdbcService(String db, boolean usePool) throws SQLException {
    this.db = db;
    String url;
    String user;
    switch (db) {
      case "postgresql":
        url = "jdbc:postgresql://127.0.0.1:5432/test";
        user = "postgres";
        break;
      case "mariadb":
        // Connector/J 4 asks for TLS by default; the machine's MariaDB serves plain TCP.
        url = "jdbc:mariadb://127.0.0.1:3306/test?sslMode=disable";
        user = "root";
        break;
      case "h2":
        url = "jdbc:h2:mem:weft;DB_CLOSE_DELAY=-1";
        user = "sa";
        break;
      default:
        throw new IllegalArgumentException("--db must be postgresql, mariadb or h2: " + db);
    }
    if (usePool) {
      HikariConfig config = new HikariConfig();
      config.setJdbcUrl(url);
      config.setUsername(user);
      config.setPassword("");
      config.setPoolName("weft-smoke-" + db);
      config.setMaximumPoolSize(4);
      config.setMinimumIdle(4);
      config.setConnectionTimeout(5000);
      this.pool = new HikariDataSource(config);
      this.single = null;
    } else {
      this.pool = null;
      this.single = DriverManager.getConnection(url, user, "");
    }
    try (Connection c = borrow()) {
      setUp(c);
    }
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> options = SmokeHttp.options(args);
    int port = Integer.parseInt(options.get("port"));
    JdbcService service =
        new JdbcService(options.getOrDefault("db", "h2"), "hikari".equals(options.get("pool")));
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 16);
    server.createContext("/run", SmokeHttp.handler(service::run));
    server.createContext("/three", SmokeHttp.handler(q -> service.three()));
    server.createContext("/distinct", SmokeHttp.handler(service::distinct));
    server.createContext("/hold", SmokeHttp.handler(service::hold));
    server.createContext("/release", SmokeHttp.handler(q -> service.release()));
    server.createContext("/pool", SmokeHttp.handler(q -> service.poolState()));
    server.setExecutor(Executors.newSingleThreadExecutor());
    server.start();
    System.out.println("jdbc-service listening on http://127.0.0.1:" + port);
    System.out.flush();
  }

  /** A connection: borrowed from the pool, or the single one (whose close is then a no-op). */
  private Connection borrow() throws SQLException {
    if (pool != null) {
      return pool.getConnection();
    }
    return new Uncloseable(single).connection();
  }

  private void setUp(Connection c) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute("DROP TABLE IF EXISTS weft_orders");
      s.execute("DROP TABLE IF EXISTS weft_batch");
      s.execute("CREATE TABLE weft_orders (id INT PRIMARY KEY, note VARCHAR(100))");
      s.execute("CREATE TABLE weft_batch (id INT PRIMARY KEY, note VARCHAR(100))");
      s.execute("INSERT INTO weft_orders (id, note) VALUES (1, 'first')");
      s.execute("INSERT INTO weft_batch (id, note) VALUES (1, 'first')");
      switch (db) {
        case "postgresql":
          s.execute(
              "CREATE OR REPLACE FUNCTION weft_touch(x INT) RETURNS INT AS $$ BEGIN IF x < 0 THEN"
                  + " RAISE EXCEPTION 'negative'; END IF; RETURN x; END $$ LANGUAGE plpgsql");
          break;
        case "mariadb":
          s.execute("DROP PROCEDURE IF EXISTS weft_touch");
          s.execute(
              "CREATE PROCEDURE weft_touch(IN x INT) BEGIN IF x < 0 THEN SIGNAL SQLSTATE '45000'"
                  + " SET MESSAGE_TEXT = 'negative'; END IF; END");
          break;
        default:
          s.execute("DROP ALIAS IF EXISTS weft_touch");
          s.execute("CREATE ALIAS weft_touch FOR \"" + JdbcService.class.getName() + ".touch\"");
      }
    }
  }

  /** H2's weft_touch. */
  public static int touch(int x) {
    if (x < 0) {
      throw new IllegalArgumentException("negative");
    }
    return x;
  }

  private String distinct(Map<String, String> query) throws SQLException {
    int from = Integer.parseInt(query.get("from"));
    int to = Integer.parseInt(query.get("to"));
    int ok = 0;
    int error = 0;
    String thrown = "";
    try (Connection c = borrow(); Statement s = c.createStatement()) {
      for (int n = from; n < to; n++) {
        try {
          if (n % 2 == 0) {
            s.execute("SELECT note FROM weft_orders WHERE id = " + n);
          } else {
            s.execute("SELECT note FROM weft_gone_" + n);
          }
          ok++;
        } catch (SQLException e) {
          error++;
          thrown = e.getClass().getSimpleName();
        }
      }
    }
    return "ok=" + ok + "\nerror=" + error + "\nthrown=" + thrown + "\n";
  }

  private String run(Map<String, String> query) throws SQLException {
    int n = Integer.parseInt(query.get("n"));
    int k = Integer.parseInt(query.get("k"));
    Map<String, String> caught = new LinkedHashMap<>();
    for (String kind : new String[] {"plain", "prepared", "callable", "batch"}) {
      String seen = "";
      for (int i = 0; i < n; i++) {
        boolean fail = i < k;
        try (Connection c = borrow()) {
          once(c, kind, fail, i);
          if (fail) {
            seen = "NOT-THROWN";
          }
        } catch (SQLException e) {
          String name = e.getClass().getSimpleName();
          if (!fail) {
            throw e;
          }
          seen = seen.isEmpty() || seen.equals(name) ? name : "MIXED";
        }
      }
      caught.put(kind, seen);
    }
    StringBuilder out = new StringBuilder();
    caught.forEach((kind, name) -> out.append(kind).append('=').append(name).append('\n'));
    return out.toString();
  }

  private void once(Connection c, String kind, boolean fail, int i) throws SQLException {
    switch (kind) {
      case "plain":
        try (Statement s = c.createStatement();
            ResultSet rs =
                s.executeQuery(
                    fail ? "SELECT nope FROM weft_orders" : "SELECT id FROM weft_orders WHERE id = 1")) {
          while (rs.next()) {
            rs.getInt(1);
          }
        }
        break;
      case "prepared":
        try (PreparedStatement ps =
            c.prepareStatement("INSERT INTO weft_orders (id, note) VALUES (?, ?)")) {
          ps.setInt(1, fail ? 1 : nextId.incrementAndGet());
          ps.setString(2, "order " + i);
          ps.executeUpdate();
        }
        break;
      case "callable":
        try (CallableStatement cs = c.prepareCall("{call weft_touch(?)}")) {
          cs.setInt(1, fail ? -1 : i);
          cs.execute();
        }
        break;
      default:
        try (PreparedStatement ps =
            c.prepareStatement("INSERT INTO weft_batch (id, note) VALUES (?, ?)")) {
          for (int row = 0; row < 3; row++) {
            ps.setInt(1, fail && row == 1 ? 1 : nextId.incrementAndGet());
            ps.setString(2, "row " + row);
            ps.addBatch();
          }
          ps.executeBatch();
        }
    }
  }

  private String three() throws SQLException {
    try (Connection c = borrow()) {
      try (Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("SELECT note FROM weft_orders WHERE note = 'secret-7781'")) {
        while (rs.next()) {
          rs.getString(1);
        }
      }
      try (PreparedStatement ps = c.prepareStatement("UPDATE weft_orders SET note = ? WHERE id = 424242")) {
        ps.setString(1, "hidden");
        ps.executeUpdate();
      }
      try (Statement s = c.createStatement()) {
        s.execute("DELETE FROM weft_batch WHERE id = 919191");
      }
    }
    return "ok";
  }

  private synchronized String hold(Map<String, String> query) throws SQLException {
    int n = Integer.parseInt(query.get("n"));
    for (int i = 0; i < n; i++) {
      held.add(borrow());
    }
    return Integer.toString(held.size());
  }

  private synchronized String release() throws SQLException {
    for (Connection c : held) {
      c.close();
    }
    held.clear();
    return "0";
  }

  private String poolState() {
    if (pool == null) {
      return "no pool";
    }
    HikariPoolMXBean mx = pool.getHikariPoolMXBean();
    return "active=" + mx.getActiveConnections()
        + ",idle=" + mx.getIdleConnections()
        + ",pending=" + mx.getThreadsAwaitingConnection()
        + ",total=" + mx.getTotalConnections()
        + ",max=" + pool.getMaximumPoolSize()
        + ",name=" + pool.getPoolName();
  }
}
