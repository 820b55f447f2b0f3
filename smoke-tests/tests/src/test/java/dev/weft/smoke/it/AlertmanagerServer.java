package dev.weft.smoke.it;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.concurrent.TimeUnit;

/**
 * A real Alertmanager (Debian's {@code prometheus-alertmanager}) on a free loopback port, loaded
 * with the shipped {@code deploy/alertmanager/alertmanager.yml} after the test override its
 * header documents: the placeholder webhook base URL becomes the test's receiver, and
 * {@code group_wait} / {@code group_interval} become 1s.
 */
final class AlertmanagerServer implements AutoCloseable {

  static final Path BINARY = Paths.get("/usr/bin/prometheus-alertmanager");
  static final String PLACEHOLDER = "http://alert-hooks.example.internal:8080";

  private final Process process;
  private final int port;
  private final Path log;

  private AlertmanagerServer(Process process, int port, Path log) {
    this.process = process;
    this.port = port;
    this.log = log;
  }

  /** The shipped configuration with the test override applied. */
  static String testConfig(Path shipped, String webhookBase) throws IOException {
    String text = Files.readString(shipped, StandardCharsets.UTF_8);
    if (!text.contains(PLACEHOLDER)) {
      fail(shipped + " no longer uses the placeholder " + PLACEHOLDER + " the test replaces");
    }
    return text.replace(PLACEHOLDER, webhookBase)
        .replaceAll("(?m)^(\\s+)group_wait: \\S+$", "$1group_wait: 1s")
        .replaceAll("(?m)^(\\s+)group_interval: \\S+$", "$1group_interval: 1s");
  }

  static AlertmanagerServer start(Path dir, Path shippedConfig, String webhookBase) {
    if (!Files.isExecutable(BINARY)) {
      fail(BINARY + " is missing: install Debian's prometheus-alertmanager (tools/run-tests does)");
    }
    try {
      Files.createDirectories(dir);
      Path config = dir.resolve("alertmanager.yml");
      Files.writeString(config, testConfig(shippedConfig, webhookBase), StandardCharsets.UTF_8);
      int port = SmokeEnv.freePort();
      Path log = dir.resolve("alertmanager.log");
      Process process =
          new ProcessBuilder(
                  BINARY.toString(),
                  "--config.file=" + config,
                  "--storage.path=" + dir.resolve("data"),
                  "--web.listen-address=127.0.0.1:" + port,
                  "--cluster.listen-address=")
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
      AlertmanagerServer server = new AlertmanagerServer(process, port, log);
      Http.awaitReady(process, server.url(), "alertmanager", server::log);
      return server;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  String url() {
    return "http://127.0.0.1:" + port;
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
