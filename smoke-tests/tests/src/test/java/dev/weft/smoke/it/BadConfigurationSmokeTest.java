package dev.weft.smoke.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Invariant 6: a bad configuration value fails with ONE clear line at start-up, Weft stays out of
 * the way, and the application starts and serves as usual.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class BadConfigurationSmokeTest extends ServiceSmokeTest {

  static final int DEFAULT_METRICS_PORT = 9464;
  /** A Weft line that announces where metrics are served. */
  static final Pattern METRICS_URL = Pattern.compile("https?://\\S+/metrics");


  @Test
  void nonNumericMetricsPortIsOneErrorLineAndWeftStaysOut() throws Exception {
    boolean defaultPortFreeBefore = !ServiceProcess.isListening(DEFAULT_METRICS_PORT);
    int appPort = SmokeEnv.freePort();
    service = Services.jdkHttpService(
        "BadConfigurationSmokeTest-port-abc",
        SmokeEnv.currentJava(),
        true,
        appPort,
        "-Dweft.metrics.port=abc");

    assertServesHello(appPort);
    String error = awaitSingleErrorLine();
    assertTrue(error.contains("weft.metrics.port") && error.contains("abc")
            && error.contains("0-65535"),
        "the error line must name the key, the bad value and the accepted values 0-65535: "
            + error);

    List<String> claims = service.weftLines().stream()
        .filter(l -> !l.startsWith("[weft] ERROR") && METRICS_URL.matcher(l).find())
        .collect(Collectors.toList());
    assertEquals(List.of(), claims, "Weft must not start its metrics server\n"
        + service.describe());
    if (defaultPortFreeBefore) {
      assertFalse(ServiceProcess.isListening(DEFAULT_METRICS_PORT),
          "something listens on the default metrics port " + DEFAULT_METRICS_PORT
              + " although Weft must not have started\n" + service.describe());
    }
  }

  @Test
  void unknownBooleanIsOneErrorLineAndWeftStaysOut() throws Exception {
    int appPort = SmokeEnv.freePort();
    int metricsPort = SmokeEnv.freePort();
    service = Services.jdkHttpService(
        "BadConfigurationSmokeTest-debug-maybe",
        SmokeEnv.currentJava(),
        true,
        appPort,
        "-Dweft.metrics.port=" + metricsPort,
        "-Dweft.debug=maybe");

    assertServesHello(appPort);
    String error = awaitSingleErrorLine();
    assertTrue(error.contains("weft.debug") && error.contains("true, false"),
        "the error line must name weft.debug and the accepted values 'true, false': " + error);
    assertFalse(ServiceProcess.isListening(metricsPort),
        "Weft must not start its metrics server on " + metricsPort + "\n" + service.describe());
  }

  private void assertServesHello(int appPort) throws Exception {
    HttpClient client = Http.newClient();
    HttpResponse<String> response = Http.get(client, Http.url(appPort, "/hello"));
    assertEquals(200, response.statusCode());
    assertEquals("hello", response.body());
  }

  /** Waits for the error line to appear, then demands that there is exactly one. */
  private String awaitSingleErrorLine() {
    Poll.until(
        Poll.deadline(Duration.ofSeconds(10)),
        () -> !errorLines().isEmpty(),
        "no stderr line starting with '[weft] ERROR'\n" + service.describe());
    List<String> errors = errorLines();
    assertEquals(1, errors.size(),
        "exactly one '[weft] ERROR' line expected, got " + errors + "\n" + service.describe());
    return errors.get(0);
  }

  private List<String> errorLines() {
    return service.stderrLines().stream()
        .filter(l -> l.startsWith("[weft] ERROR"))
        .collect(Collectors.toList());
  }
}
