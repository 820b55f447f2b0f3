package dev.weft.bench.micro;

import java.sql.Connection;
import java.sql.DriverManager;
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

/** A prepared single-row query on H2 in memory: the JDBC path with almost no database cost. */
@State(Scope.Benchmark)
public class JdbcPreparedQueryBenchmark {

  private Connection connection;
  private PreparedStatement query;
  private int id;

  @Setup(Level.Trial)
  public void open() throws SQLException {
    connection = DriverManager.getConnection("jdbc:h2:mem:bench;DB_CLOSE_DELAY=-1", "sa", "");
    try (Statement s = connection.createStatement()) {
      s.execute("CREATE TABLE IF NOT EXISTS owner (id INT PRIMARY KEY, name VARCHAR(64))");
      s.execute("DELETE FROM owner");
      for (int i = 0; i < 100; i++) {
        s.execute("INSERT INTO owner VALUES (" + i + ", 'owner " + i + "')");
      }
    }
    query = connection.prepareStatement("SELECT name FROM owner WHERE id = ?");
  }

  @Benchmark
  public String select() throws SQLException {
    id = (id + 1) % 100;
    query.setInt(1, id);
    try (ResultSet rs = query.executeQuery()) {
      return rs.next() ? rs.getString(1) : null;
    }
  }

  @TearDown(Level.Trial)
  public void close() throws SQLException {
    query.close();
    connection.close();
  }
}
