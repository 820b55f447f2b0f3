package dev.weft.smoke.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Never hurt the host: a metrics port already in use is one clear line, and the app runs. */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class PortTakenSmokeTest extends ServiceSmokeTest {


  @Test
  void metricsPortInUseIsOneLineAndTheAppStillServes() throws Exception {
    // Bound on the wildcard address, so that Weft's bind fails whatever host it uses.
    try (ServerSocket occupied = new ServerSocket(0)) {
      int port = occupied.getLocalPort();
      String portText = Integer.toString(port);
      int appPort = SmokeEnv.freePort();
      service = Services.jdkHttpService(
          "PortTakenSmokeTest",
          SmokeEnv.currentJava(),
          true,
          appPort,
          "-Dweft.metrics.port=" + port);

      HttpClient client = Http.newClient();
      HttpResponse<String> response = Http.get(client, Http.url(appPort, "/hello"));
      assertEquals(200, response.statusCode());
      assertEquals("hello", response.body());

      Poll.until(
          Poll.deadline(Duration.ofSeconds(15)),
          () -> !linesMentioning(portText).isEmpty(),
          "no [weft] line mentions the taken port " + port + "\n" + service.describe());
      List<String> lines = linesMentioning(portText);
      assertEquals(1, lines.size(),
          "exactly one [weft] line should mention port " + port + ", got " + lines);
      String line = lines.get(0);
      assertTrue(line.startsWith("[weft] WARN") || line.startsWith("[weft] ERROR"),
          "the port-in-use line must be at WARN or ERROR level: " + line);
      assertTrue(service.isAlive(), "the app must keep running\n" + service.describe());
      assertTrue(!occupied.isClosed(), "the port stays ours");
    }
  }

  private List<String> linesMentioning(String port) {
    return service.weftLines().stream()
        .filter(l -> l.matches(".*(?<![0-9])" + port + "(?![0-9]).*"))
        .collect(Collectors.toList());
  }
}
