package dev.weft.runtime.operation;

import java.util.Locale;

/**
 * What a connection's JDBC URL tells about the database: its system (the {@code db_system}
 * label) and its address (span attributes). User names, passwords and URL parameters are never
 * kept.
 */
final class ConnectionInfo {

  static final ConnectionInfo UNKNOWN = new ConnectionInfo("other_sql", null, -1);

  final String system;
  final String host;
  final int port;

  ConnectionInfo(String system, String host, int port) {
    this.system = system;
    this.host = host;
    this.port = port;
  }

  /** Reads {@code jdbc:<subprotocol>:...}; anything it cannot read gives {@link #UNKNOWN}. */
  static ConnectionInfo fromUrl(String url) {
    if (url == null || !url.regionMatches(true, 0, "jdbc:", 0, 5)) {
      return UNKNOWN;
    }
    int end = url.indexOf(':', 5);
    if (end < 0) {
      return UNKNOWN;
    }
    String sub = url.substring(5, end).toLowerCase(Locale.ROOT);
    String system = system(sub);
    String host = null;
    int port = -1;
    int slashes = url.indexOf("//", end);
    int at = url.indexOf('@', end); // Oracle thin: jdbc:oracle:thin:@host:port...
    int start = -1;
    if (slashes >= 0) {
      start = slashes + 2;
    } else if (sub.equals("oracle") && at >= 0) {
      start = at + 1;
    }
    if (start >= 0) {
      int stop = start;
      while (stop < url.length() && "/;?,".indexOf(url.charAt(stop)) < 0) {
        stop++;
      }
      int pathStart = stop;
      while (pathStart < url.length() && "/?#".indexOf(url.charAt(pathStart)) < 0) {
        pathStart++;
      }
      if (url.lastIndexOf('@', pathStart - 1) >= stop) {
        // A user-info may hold ';' and ',' (alice:pa;ss@db): an '@' after the cut means the cut
        // may sit inside a credential, so no address is taken rather than a piece of one.
        return new ConnectionInfo(system, null, -1);
      }
      String authority = url.substring(start, stop);
      int userInfo = authority.lastIndexOf('@');
      if (userInfo >= 0) {
        authority = authority.substring(userInfo + 1); // never a credential
      }
      if (authority.startsWith("//")) {
        authority = authority.substring(2);
      }
      if (authority.startsWith("[")) {
        int close = authority.indexOf(']');
        if (close > 0) {
          host = authority.substring(1, close);
          port = port(authority, close + 1);
        }
      } else {
        int colon = authority.indexOf(':');
        host = colon < 0 ? authority : authority.substring(0, colon);
        port = colon < 0 ? -1 : port(authority, colon);
      }
      if (host != null && host.isEmpty()) {
        host = null;
      }
    }
    return new ConnectionInfo(system, host, port);
  }

  private static int port(String authority, int colon) {
    if (colon >= authority.length() || authority.charAt(colon) != ':') {
      return -1;
    }
    int p = 0;
    for (int i = colon + 1; i < authority.length(); i++) {
      char c = authority.charAt(i);
      if (c < '0' || c > '9' || p > 65535) {
        break;
      }
      p = p * 10 + (c - '0');
    }
    return p > 0 && p <= 65535 ? p : -1;
  }

  /** The OpenTelemetry name of the database system, from the JDBC subprotocol. */
  static String system(String subprotocol) {
    switch (subprotocol) {
      case "postgresql":
      case "pgsql":
        return "postgresql";
      case "mariadb":
        return "mariadb";
      case "mysql":
        return "mysql";
      case "h2":
        return "h2";
      case "hsqldb":
        return "hsqldb";
      case "derby":
        return "derby";
      case "sqlite":
        return "sqlite";
      case "oracle":
        return "oracle";
      case "sqlserver":
      case "jtds":
        return "mssql";
      case "db2":
      case "as400":
        return "db2";
      case "clickhouse":
        return "clickhouse";
      default:
        return "other_sql";
    }
  }
}
