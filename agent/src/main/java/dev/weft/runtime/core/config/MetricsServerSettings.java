package dev.weft.runtime.core.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;

/**
 * Who can read /metrics: HTTP basic authentication ({@code weft.metrics.auth.*}) and TLS
 * ({@code weft.metrics.tls.*}) on Weft's own server. A half-given pair (a user name without a
 * password, a keystore without its password, or the other way round) is a configuration error,
 * so Weft never serves /metrics less protected than the operator asked for. The secrets never
 * appear in an error line, nor in {@link #toString()}.
 */
public final class MetricsServerSettings {

  private static final String NOT_STARTED = " Weft is not started; the application runs without it.";

  private final String username;
  private final String password;
  private final String keystore;
  private final String keystorePassword;
  private final String keystoreType;

  private MetricsServerSettings(
      String username,
      String password,
      String keystore,
      String keystorePassword,
      String keystoreType) {
    this.username = username;
    this.password = password;
    this.keystore = keystore;
    this.keystorePassword = keystorePassword;
    this.keystoreType = keystoreType;
  }

  static MetricsServerSettings from(ConfigSources s) throws ConfigException {
    String username = s.text(ConfigKey.METRICS_AUTH_USERNAME, null);
    if (username != null && username.indexOf(':') >= 0) {
      // Basic authentication sends user:password; a ':' in the name could never match.
      throw s.invalid(ConfigKey.METRICS_AUTH_USERNAME, "it contains ':'");
    }
    String password =
        secret(s, ConfigKey.METRICS_AUTH_PASSWORD, ConfigKey.METRICS_AUTH_PASSWORD_FILE);
    pairComplete(
        s,
        ConfigKey.METRICS_AUTH_USERNAME,
        username != null,
        ConfigKey.METRICS_AUTH_PASSWORD,
        ConfigKey.METRICS_AUTH_PASSWORD_FILE,
        password != null);

    String keystore = s.text(ConfigKey.METRICS_TLS_KEYSTORE, null);
    String keystorePassword =
        secret(
            s,
            ConfigKey.METRICS_TLS_KEYSTORE_PASSWORD,
            ConfigKey.METRICS_TLS_KEYSTORE_PASSWORD_FILE);
    pairComplete(
        s,
        ConfigKey.METRICS_TLS_KEYSTORE,
        keystore != null,
        ConfigKey.METRICS_TLS_KEYSTORE_PASSWORD,
        ConfigKey.METRICS_TLS_KEYSTORE_PASSWORD_FILE,
        keystorePassword != null);
    String type = s.choice(ConfigKey.METRICS_TLS_KEYSTORE_TYPE, "pkcs12", "pkcs12", "jks");
    return new MetricsServerSettings(username, password, keystore, keystorePassword, type);
  }

  /** Whether a scraper must send {@link #username()} and {@link #password()}. */
  public boolean authentication() {
    return username != null;
  }

  /** Whether /metrics is served over HTTPS with {@link #keystore()}. */
  public boolean tls() {
    return keystore != null;
  }

  public String username() {
    return username;
  }

  /** The secret: compare it, never log it. */
  public String password() {
    return password;
  }

  /** Path of the keystore, or null: plain HTTP. */
  public String keystore() {
    return keystore;
  }

  /** The keystore's secret: never log it. */
  public char[] keystorePassword() {
    return keystorePassword == null ? null : keystorePassword.toCharArray();
  }

  /** {@code pkcs12} or {@code jks}. */
  public String keystoreType() {
    return keystoreType;
  }

  @Override
  public String toString() {
    return "metrics server: authentication "
        + (authentication() ? "on (user " + username + ")" : "off")
        + ", TLS "
        + (tls() ? "on (" + keystoreType + " keystore " + keystore + ")" : "off");
  }

  /**
   * The secret given directly under {@code key} or in the file named by {@code fileKey}; null
   * when neither is set.
   */
  private static String secret(ConfigSources s, ConfigKey key, ConfigKey fileKey)
      throws ConfigException {
    ConfigSources.Value direct = s.raw(key);
    String file = s.text(fileKey, null);
    if (direct != null && file != null) {
      throw new ConfigException(
          "bad configuration: "
              + key.key()
              + " ("
              + direct.source
              + ") and "
              + fileKey.key()
              + " ("
              + s.raw(fileKey).source
              + ") are both set: accepted values: one of them."
              + NOT_STARTED);
    }
    String value;
    ConfigSources.Value from;
    if (direct != null) {
      value = direct.text;
      from = direct;
    } else if (file != null) {
      try {
        value = dropTrailingLineBreaks(
            new String(Files.readAllBytes(Paths.get(file)), StandardCharsets.UTF_8));
      } catch (IOException | RuntimeException e) {
        // The path is not the secret; the file's content is never shown.
        throw s.invalid(fileKey, "it cannot be read (" + e.getClass().getSimpleName() + ")");
      }
      from = s.raw(fileKey);
    } else {
      return null;
    }
    if (value.isEmpty()) {
      throw new ConfigException(
          "bad configuration: "
              + from.name
              + " ("
              + from.source
              + ") gives an empty secret: accepted values: "
              + key.accepted()
              + "."
              + NOT_STARTED);
    }
    return value;
  }

  /** One side of a pair without the other: an error that names all the keys, no values. */
  private static void pairComplete(
      ConfigSources s,
      ConfigKey first,
      boolean firstSet,
      ConfigKey secret,
      ConfigKey secretFile,
      boolean secretSet)
      throws ConfigException {
    if (firstSet == secretSet) {
      return;
    }
    String given;
    String missing;
    if (firstSet) {
      given = first.key() + " is set (" + s.raw(first).source + ")";
      missing = "neither " + secret.key() + " nor " + secretFile.key() + " is";
    } else {
      ConfigSources.Value v = s.raw(secret) != null ? s.raw(secret) : s.raw(secretFile);
      given = v.name + " is set (" + v.source + ")";
      missing = first.key() + " is not";
    }
    throw new ConfigException(
        "bad configuration: "
            + given
            + " but "
            + missing
            + ": accepted values: both "
            + first.key()
            + " and "
            + secret.key()
            + " (or "
            + secretFile.key()
            + "), or neither. /metrics is never served less protected than configured."
            + NOT_STARTED);
  }

  private static String dropTrailingLineBreaks(String text) {
    int end = text.length();
    while (end > 0 && (text.charAt(end - 1) == '\n' || text.charAt(end - 1) == '\r')) {
      end--;
    }
    return text.substring(0, end);
  }
}
