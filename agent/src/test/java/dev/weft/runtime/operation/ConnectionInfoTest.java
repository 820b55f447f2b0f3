package dev.weft.runtime.operation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** JDBC URLs as drivers report them: system, host and port, and never a credential. */
class ConnectionInfoTest {

  private static void check(String url, String system, String host, int port) {
    ConnectionInfo info = ConnectionInfo.fromUrl(url);
    assertEquals(system, info.system, url);
    assertEquals(host, info.host, url);
    assertEquals(port, info.port, url);
  }

  @Test
  void readsTheCommonDrivers() {
    check("jdbc:postgresql://127.0.0.1:5432/test", "postgresql", "127.0.0.1", 5432);
    check("jdbc:postgresql://db.internal/orders?ssl=true", "postgresql", "db.internal", -1);
    check("jdbc:mariadb://127.0.0.1:3306/test", "mariadb", "127.0.0.1", 3306);
    check("jdbc:mysql://mysql-1:3307/shop?useSSL=false", "mysql", "mysql-1", 3307);
    check("jdbc:h2:mem:weft;DB_CLOSE_DELAY=-1", "h2", null, -1);
    check("jdbc:h2:tcp://localhost:9092/~/test", "h2", "localhost", 9092);
    check("jdbc:hsqldb:mem:x", "hsqldb", null, -1);
    check("jdbc:sqlserver://sql.example:1433;databaseName=orders", "mssql", "sql.example", 1433);
    check("jdbc:oracle:thin:@ora.example:1521:ORCL", "oracle", "ora.example", 1521);
    check("jdbc:oracle:thin:@//ora.example:1521/service", "oracle", "ora.example", 1521);
    check("jdbc:postgresql://[::1]:5433/test", "postgresql", "::1", 5433);
    check("jdbc:weirddb://host:1/x", "other_sql", "host", 1);
  }

  @Test
  void neverKeepsUserInfo() {
    ConnectionInfo info = ConnectionInfo.fromUrl("jdbc:mysql://admin:s3cret@db.example:3306/shop");
    assertEquals("db.example", info.host);
    assertEquals(3306, info.port);
    assertFalse(String.valueOf(info.host).contains("s3cret"));
  }

  @Test
  void badUrlsAreUnknownNotErrors() {
    assertSame(ConnectionInfo.UNKNOWN, ConnectionInfo.fromUrl(null));
    assertSame(ConnectionInfo.UNKNOWN, ConnectionInfo.fromUrl(""));
    assertSame(ConnectionInfo.UNKNOWN, ConnectionInfo.fromUrl("http://x"));
    assertSame(ConnectionInfo.UNKNOWN, ConnectionInfo.fromUrl("jdbc:"));
    ConnectionInfo odd = ConnectionInfo.fromUrl("jdbc:postgresql://host:99999999999/x");
    assertEquals("host", odd.host);
    assertEquals(-1, odd.port);
    assertNull(ConnectionInfo.fromUrl("jdbc:postgresql:///x").host);
  }

  @Test
  void blankStatementsAreLivenessChecks() {
    assertTrue(SqlStatements.isBlank(""));
    assertTrue(SqlStatements.isBlank("  \n"));
    assertTrue(SqlStatements.isBlank(null));
    assertFalse(SqlStatements.isBlank(" SELECT 1"));
  }
}
