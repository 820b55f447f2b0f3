package dev.weft.smoke.it;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.concurrent.TimeUnit;

/**
 * A real Prometheus Pushgateway (Debian's {@code prometheus-pushgateway}) on a free loopback
 * port, keeping what it is pushed in memory.
 */
final class PushgatewayServer implements AutoCloseable {

  static final Path BINARY = Paths.get("/usr/bin/prometheus-pushgateway");

  private final Process process;
  private final int port;
  private final Path log;

  private PushgatewayServer(Process process, int port, Path log) {
    this.process = process;
    this.port = port;
    this.log = log;
  }

  static PushgatewayServer start(Path dir) {
    if (!Files.isExecutable(BINARY)) {
      fail(BINARY + " is missing: install Debian's prometheus-pushgateway (tools/run-tests does)");
    }
    try {
      Files.createDirectories(dir);
      int port = SmokeEnv.freePort();
      Path log = dir.resolve("pushgateway-" + port + ".log");
      Process process =
          new ProcessBuilder(BINARY.toString(), "--web.listen-address=127.0.0.1:" + port)
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
      PushgatewayServer server = new PushgatewayServer(process, port, log);
      Http.awaitReady(process, server.url(), "prometheus-pushgateway", server::log);
      return server;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  String url() {
    return "http://127.0.0.1:" + port;
  }

  /** What the Pushgateway serves to Prometheus: every pushed group's series. */
  MetricsScrape scrape(HttpClient client) throws IOException, InterruptedException {
    return Http.scrape(client, port);
  }

  String log() {
    try {
      return Files.exists(log) ? Files.readString(log) : "";
    } catch (IOException e) {
      return e.toString();
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
