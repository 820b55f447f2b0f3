package dev.weft.runtime.operation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.runtime.fuzz.FuzzBudget;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AddLifecycleHook;

/**
 * Whatever a JDBC URL holds, reading it never throws, gives a {@code db_system} from the
 * documented list, and never takes a user name or password for the server's address or port.
 */
@AddLifecycleHook(FuzzBudget.class)
class ConnectionUrlHostileInputTest {

  private static final Set<String> SYSTEMS =
      Set.of(
          "postgresql", "mariadb", "mysql", "h2", "hsqldb", "derby", "sqlite", "oracle", "mssql",
          "db2", "clickhouse", "other_sql");

  @Property(tries = 2000)
  void anyTextIsReadWithoutFailure(@ForAll("urls") String url) {
    ConnectionInfo info = ConnectionInfo.fromUrl(url);
    assertTrue(SYSTEMS.contains(info.system), info.system);
    assertTrue(info.port == -1 || (info.port > 0 && info.port <= 65535), "port " + info.port);
  }

  @Property(tries = 2000)
  void credentialsNeverBecomeTheAddress(@ForAll("urlsWithCredentials") String url) {
    ConnectionInfo info = ConnectionInfo.fromUrl(url);
    if (info.host != null) {
      assertFalse(info.host.contains("alice") || info.host.contains("S3cr3t"), info.host);
    }
    assertTrue(info.port != 4242, "the password's digits as the port: " + url);
  }

  // ---- inputs that once failed ---------------------------------------------------------------

  @Example
  void aUserInfoWithSemicolonsOrCommasGivesNoAddress() {
    // Took "alice" as the address and "4242" as the port: the authority was cut at the ';' (or
    // ',') inside the password, before the '@' that ends the user-info.
    ConnectionInfo info = ConnectionInfo.fromUrl("jdbc:postgresql://alice:4242;S3cr3t@db:5432/app");
    assertNull(info.host);
    assertEquals(-1, info.port);
    assertNull(ConnectionInfo.fromUrl("jdbc:mysql://alice:4242,S3cr3t@db/app").host);
    // Unchanged: SQL Server's properties, MySQL's host lists, user-info without either.
    assertEquals("db", ConnectionInfo.fromUrl("jdbc:sqlserver://db:1433;user=alice").host);
    assertEquals("h1", ConnectionInfo.fromUrl("jdbc:mysql://alice:pw@h1,h2/app").host);
    assertEquals("db", ConnectionInfo.fromUrl("jdbc:postgresql://alice:pw@db:5432/app").host);
  }

  // ---- generators ----------------------------------------------------------------------------

  @Provide
  Arbitrary<String> urls() {
    Arbitrary<String> part =
        Arbitraries.oneOf(
            Arbitraries.of(
                "jdbc:", "JDBC:", "postgresql:", "mysql:", "oracle:thin:", "sqlserver:", "//", "@",
                ":", "/", ";", "?", ",", "[", "]", "::1", "65535", "65536", "99999999999", "-1",
                "host", "user=a", "\u0000", "\ud83d\ude00", "\ud800"),
            Arbitraries.strings().all().ofMaxLength(8));
    return part.list().ofMaxSize(14).map(parts -> String.join("", parts));
  }

  /** URLs whose user-info holds characters RFC 3986 allows there unencoded, ';' and ',' too. */
  @Provide
  Arbitrary<String> urlsWithCredentials() {
    Arbitrary<String> delims = Arbitraries.of(";", ",", ":", "=", "!", "$", "&", "'", "(", "*", "+")
        .list().ofMaxSize(3).map(d -> String.join("", d));
    Arbitrary<String> password = delims.map(d -> "4242" + d + "S3cr3t");
    Arbitrary<String> prefix =
        Arbitraries.of(
            "jdbc:postgresql://", "jdbc:mysql://", "jdbc:mariadb://", "jdbc:sqlserver://",
            "jdbc:h2:tcp://", "jdbc:oracle:thin:@//", "jdbc:other://");
    Arbitrary<String> host = Arbitraries.of("db", "db.example:5432", "[::1]:5432", "h1,h2", "");
    Arbitrary<String> rest = Arbitraries.of("", "/app", "/app?ssl=true", ";databaseName=x");
    return Combinators.combine(prefix, delims, password, host, rest)
        .as((p, d, pw, h, r) -> p + "alice" + d + ":" + pw + "@" + h + r);
  }
}
