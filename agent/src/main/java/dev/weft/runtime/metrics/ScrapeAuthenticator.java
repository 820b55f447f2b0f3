package dev.weft.runtime.metrics;

import com.sun.net.httpserver.BasicAuthenticator;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpPrincipal;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Locale;

/**
 * HTTP basic authentication on Weft's own server, realm {@value #REALM}. Every request without
 * the configured user name and password gets 401 with {@code WWW-Authenticate}, reaches no
 * handler, and is counted once in {@code weft_metrics_scrapes_rejected_total{reason="unauthorized"}}.
 *
 * <p>The JDK's {@link BasicAuthenticator#authenticate} is not used as it is: a request without
 * credentials never reaches {@link #checkCredentials} (so it could not be counted), a malformed
 * header throws out of it, and it takes the scheme name case-sensitively. The header is parsed
 * here instead, and both the user name and the password are compared as SHA-256 digests with
 * {@link MessageDigest#isEqual}: the time taken tells nothing about how much of either matched,
 * nor their length.
 */
final class ScrapeAuthenticator extends BasicAuthenticator {

  static final String REALM = "weft";
  private static final String CHALLENGE = "Basic realm=\"" + REALM + "\", charset=\"UTF-8\"";

  private final byte[] usernameDigest;
  private final byte[] passwordDigest;
  private final CounterDataPoint rejected;

  ScrapeAuthenticator(String username, String password, CounterDataPoint rejected) {
    super(REALM);
    this.usernameDigest = sha256(username);
    this.passwordDigest = sha256(password);
    this.rejected = rejected;
  }

  @Override
  public Result authenticate(HttpExchange exchange) {
    String header = exchange.getRequestHeaders().getFirst("Authorization");
    String[] credentials = header == null ? null : credentials(header);
    if (credentials != null && checkCredentials(credentials[0], credentials[1])) {
      return new Success(new HttpPrincipal(credentials[0], REALM));
    }
    rejected.inc();
    exchange.getResponseHeaders().set("WWW-Authenticate", CHALLENGE);
    return new Retry(401);
  }

  @Override
  public boolean checkCredentials(String username, String password) {
    // Both compared, always: which of the two was wrong does not show in the time taken.
    boolean user = MessageDigest.isEqual(usernameDigest, sha256(username));
    boolean pass = MessageDigest.isEqual(passwordDigest, sha256(password));
    return user & pass;
  }

  /** {@code [user, password]} of a {@code Basic} header, or null if it is not one. */
  static String[] credentials(String header) {
    String h = header.trim();
    int space = h.indexOf(' ');
    if (space < 0 || !h.substring(0, space).toLowerCase(Locale.ROOT).equals("basic")) {
      return null;
    }
    String decoded;
    try {
      decoded =
          new String(Base64.getDecoder().decode(h.substring(space + 1).trim()), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException notBase64) {
      return null;
    }
    int colon = decoded.indexOf(':');
    return colon < 0
        ? null
        : new String[] {decoded.substring(0, colon), decoded.substring(colon + 1)};
  }

  private static byte[] sha256(String text) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
