package dev.weft.runtime.core.config;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** weft.metrics.auth.* and weft.metrics.tls.*: complete pairs or one line, secrets never shown. */
class MetricsServerSettingsTest {

  private static final String SECRET = "pa55-word with spaces ";

  private final Properties props = new Properties();
  private final Map<String, String> env = new HashMap<>();
  @TempDir Path tmp;

  private MetricsServerSettings load() throws ConfigException {
    return WeftConfig.load(null, props, env).metricsServer();
  }

  private String error() {
    String line = assertThrows(ConfigException.class, this::load).getMessage();
    assertFalse(line.contains("\n"), line);
    assertFalse(line.contains(SECRET.trim()), "a secret in the error line: " + line);
    assertTrue(line.endsWith("Weft is not started; the application runs without it."), line);
    return line;
  }

  @Test
  void byDefaultNeitherAuthenticationNorTls() throws Exception {
    MetricsServerSettings s = load();
    assertFalse(s.authentication());
    assertFalse(s.tls());
    assertEquals("pkcs12", s.keystoreType());
  }

  @Test
  void aUserNameAndPasswordSwitchAuthenticationOnWithThePasswordAsGiven() throws Exception {
    props.setProperty("weft.metrics.auth.username", "prometheus");
    props.setProperty("weft.metrics.auth.password", SECRET);
    MetricsServerSettings s = load();
    assertTrue(s.authentication());
    assertEquals("prometheus", s.username());
    assertEquals(SECRET, s.password());
    assertFalse(s.toString().contains(SECRET.trim()), s.toString());
  }

  @Test
  void thePasswordComesFromTheEnvironment() throws Exception {
    env.put("WEFT_METRICS_AUTH_USERNAME", "prometheus");
    env.put("WEFT_METRICS_AUTH_PASSWORD", SECRET);
    assertEquals(SECRET, load().password());
  }

  @Test
  void thePasswordFileLosesItsTrailingLineBreakOnly() throws Exception {
    Path file = Files.writeString(tmp.resolve("password"), SECRET + "\r\n");
    props.setProperty("weft.metrics.auth.username", "prometheus");
    props.setProperty("weft.metrics.auth.password.file", file.toString());
    assertEquals(SECRET, load().password());
  }

  @Test
  void aUserNameWithoutPasswordIsOneLineNamingTheKeys() {
    props.setProperty("weft.metrics.auth.username", "prometheus");
    assertEquals(
        "bad configuration: weft.metrics.auth.username is set (system property) but neither"
            + " weft.metrics.auth.password nor weft.metrics.auth.password.file is: accepted"
            + " values: both weft.metrics.auth.username and weft.metrics.auth.password (or"
            + " weft.metrics.auth.password.file), or neither. /metrics is never served less"
            + " protected than configured. Weft is not started; the application runs without it.",
        error());
  }

  @Test
  void aPasswordWithoutUserNameIsOneLineWithoutThePassword() {
    env.put("WEFT_METRICS_AUTH_PASSWORD", SECRET);
    String line = error();
    assertTrue(
        line.startsWith(
            "bad configuration: WEFT_METRICS_AUTH_PASSWORD is set (environment) but"
                + " weft.metrics.auth.username is not"),
        line);
  }

  @Test
  void aPasswordAndAPasswordFileTogetherAreOneLine() throws Exception {
    props.setProperty("weft.metrics.auth.username", "prometheus");
    props.setProperty("weft.metrics.auth.password", SECRET);
    props.setProperty(
        "weft.metrics.auth.password.file",
        Files.writeString(tmp.resolve("p"), SECRET).toString());
    assertEquals(
        "bad configuration: weft.metrics.auth.password (system property) and"
            + " weft.metrics.auth.password.file (system property) are both set: accepted values:"
            + " one of them. Weft is not started; the application runs without it.",
        error());
  }

  @Test
  void anEmptyPasswordOrUnreadablePasswordFileIsOneLine() {
    props.setProperty("weft.metrics.auth.username", "prometheus");
    props.setProperty("weft.metrics.auth.password", "");
    assertTrue(error().contains("weft.metrics.auth.password (system property) gives an empty secret"));
    props.remove("weft.metrics.auth.password");
    Path missing = tmp.resolve("missing");
    props.setProperty("weft.metrics.auth.password.file", missing.toString());
    String line = error();
    assertTrue(
        line.startsWith(
            "bad configuration weft.metrics.auth.password.file="
                + missing
                + " (system property; it cannot be read (NoSuchFileException))"),
        line);
  }

  @Test
  void aUserNameWithAColonIsRejected() {
    props.setProperty("weft.metrics.auth.username", "a:b");
    props.setProperty("weft.metrics.auth.password", SECRET);
    assertTrue(error().contains("weft.metrics.auth.username=a:b (system property; it contains ':')"));
  }

  @Test
  void aKeystoreNeedsItsPassword() {
    props.setProperty("weft.metrics.tls.keystore", "/etc/weft/metrics.p12");
    assertTrue(
        error()
            .startsWith(
                "bad configuration: weft.metrics.tls.keystore is set (system property) but neither"
                    + " weft.metrics.tls.keystore.password nor"
                    + " weft.metrics.tls.keystore.password.file is"));
    props.remove("weft.metrics.tls.keystore");
    props.setProperty("weft.metrics.tls.keystore.password", SECRET);
    assertTrue(error().contains("but weft.metrics.tls.keystore is not"));
  }

  @Test
  void aKeystoreWithItsPasswordSwitchesTlsOn() throws Exception {
    Path file = Files.writeString(tmp.resolve("kp"), SECRET + "\n");
    env.put("WEFT_METRICS_TLS_KEYSTORE", "/etc/weft/metrics.jks");
    env.put("WEFT_METRICS_TLS_KEYSTORE_PASSWORD_FILE", file.toString());
    env.put("WEFT_METRICS_TLS_KEYSTORE_TYPE", "JKS");
    MetricsServerSettings s = load();
    assertTrue(s.tls());
    assertEquals("/etc/weft/metrics.jks", s.keystore());
    assertEquals("jks", s.keystoreType());
    assertArrayEquals(SECRET.toCharArray(), s.keystorePassword());
    assertNull(s.username());
  }

  @Test
  void aBadAgentArgumentIsShownWithoutTheOtherArgumentsSecrets() {
    String line =
        assertThrows(
                ConfigException.class,
                () ->
                    WeftConfig.load(
                        "weft.metrics.auth.username=u;weft.metrics.auth.password=" + SECRET + ";oops",
                        props,
                        env))
            .getMessage();
    assertTrue(line.startsWith("bad agent argument 'oops': accepted values:"), line);
    assertFalse(line.contains(SECRET.trim()), line);
  }

  @Test
  void anUnknownKeystoreTypeNamesTheAcceptedOnes() {
    props.setProperty("weft.metrics.tls.keystore.type", "pem");
    assertTrue(
        error().startsWith("bad configuration weft.metrics.tls.keystore.type=pem (system property):"
            + " accepted values: pkcs12, jks."));
  }
}
