package dev.weft.bench.micro;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * What a service does per query with a pool: borrow a connection from HikariCP, prepare, execute
 * and read a primary-key lookup on the machine's PostgreSQL (127.0.0.1:5432, database test),
 * give the connection back. Weft's jdbc and hikaricp modules at work.
 */
@State(Scope.Benchmark)
public class JdbcPooledQueryBenchmark {

  private HikariDataSource pool;
  private int id;

  @Setup(Level.Trial)
  public void open() throws SQLException {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl("jdbc:postgresql://127.0.0.1:5432/test");
    config.setUsername("postgres");
    config.setPassword("");
    config.setPoolName("bench");
    config.setMaximumPoolSize(2);
    pool = new HikariDataSource(config);
    try (Connection c = pool.getConnection();
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE IF NOT EXISTS weft_bench_owner (id INT PRIMARY KEY, name VARCHAR(64))");
      s.execute("DELETE FROM weft_bench_owner");
      s.execute(
          "INSERT INTO weft_bench_owner SELECT g, 'owner ' || g FROM generate_series(0, 99) g");
    }
  }

  @Benchmark
  public String select() throws SQLException {
    id = (id + 1) % 100;
    try (Connection c = pool.getConnection();
        PreparedStatement ps = c.prepareStatement("SELECT name FROM weft_bench_owner WHERE id = ?")) {
      ps.setInt(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? rs.getString(1) : null;
      }
    }
  }

  @TearDown(Level.Trial)
  public void close() {
    pool.close();
  }
}
