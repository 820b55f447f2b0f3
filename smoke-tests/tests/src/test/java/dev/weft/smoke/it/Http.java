package dev.weft.smoke.it;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.opentest4j.AssertionFailedError;

/** The real client the tests drive services with: {@link java.net.http.HttpClient}, HTTP/1.1. */
public final class Http {

  /**
   * Waits up to 30 s until a server process of the Prometheus family (Alertmanager,
   * Pushgateway) answers {@code url + "/-/ready"} with 200; fails at once if it exits.
   * {@code log} gives its output for the failure message.
   */
  public static void awaitReady(Process process, String url, String what,
      java.util.function.Supplier<String> log) {
    HttpClient client = HttpClient.newHttpClient();
    Poll.until(
        Poll.deadline(Duration.ofSeconds(30)),
        () -> {
          if (!process.isAlive()) {
            throw Poll.failFast(what + " exited:\n" + log.get());
          }
          try {
            return client.send(HttpRequest.newBuilder(URI.create(url + "/-/ready")).build(),
                    HttpResponse.BodyHandlers.discarding())
                .statusCode() == 200;
          } catch (IOException e) {
            return false;
          }
        },
        what + " not ready in 30 s:\n" + log.get());
  }

  public static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);

  private Http() {}

  public static HttpClient newClient() {
    return HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5))
        .followRedirects(HttpClient.Redirect.NEVER)
        .build();
  }

  public static String url(int port, String path) {
    return "http://127.0.0.1:" + port + path;
  }

  public static HttpResponse<String> get(HttpClient client, String url)
      throws IOException, InterruptedException {
    return client.send(
        HttpRequest.newBuilder(URI.create(url)).timeout(REQUEST_TIMEOUT).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  public static HttpResponse<String> get(HttpClient client, String url, String accept)
      throws IOException, InterruptedException {
    return client.send(
        HttpRequest.newBuilder(URI.create(url))
            .timeout(REQUEST_TIMEOUT)
            .header("Accept", accept)
            .GET()
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** Scrapes {@code http://127.0.0.1:<port>/metrics} (Prometheus text) and parses it. */
  public static MetricsScrape scrape(HttpClient client, int port)
      throws IOException, InterruptedException {
    HttpResponse<String> response = get(client, url(port, "/metrics"));
    if (response.statusCode() != 200) {
      throw new AssertionFailedError(
          "GET " + url(port, "/metrics") + " answered " + response.statusCode() + ": "
              + response.body());
    }
    return MetricsScrape.parse(response.body());
  }

  /**
   * Polls until {@code /metrics} on {@code port} answers (the agent starts its server during or
   * right after premain); fails at once if the service exits.
   */
  public static MetricsScrape awaitMetrics(
      ServiceProcess service, HttpClient client, int port, Duration timeout) {
    return Poll.untilValue(
        Poll.deadline(timeout),
        () -> {
          service.requireAlive("Weft's /metrics answered on port " + port);
          return scrape(client, port);
        },
        scrape -> true,
        scrape -> "Weft's /metrics on port " + port + " did not answer within " + timeout + "\n"
            + service.describe());
  }

  /**
   * Applies {@code send} to every call from {@code threads} threads and returns the outcomes in
   * the calls' order; a call that does not complete within 60 s fails the test.
   */
  public static <C, O> List<O> sendConcurrently(
      int threads, List<C> calls, Function<C, O> send)
      throws InterruptedException {
    ExecutorService pool =
        Executors.newFixedThreadPool(threads);
    try {
      List<Future<O>> futures = new ArrayList<>();
      for (C call : calls) {
        futures.add(pool.submit(() -> send.apply(call)));
      }
      List<O> outcomes = new ArrayList<>();
      for (Future<O> future : futures) {
        try {
          outcomes.add(future.get(60, TimeUnit.SECONDS));
        } catch (Exception e) {
          fail("a client call did not complete: " + e, e);
        }
      }
      return outcomes;
    } finally {
      pool.shutdownNow();
      pool.awaitTermination(10, TimeUnit.SECONDS);
    }
  }
}
