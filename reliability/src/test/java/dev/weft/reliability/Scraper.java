package dev.weft.reliability;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A scraper of its own thread: every {@link #INTERVAL} (or right after the previous scrape, when
 * one takes longer) it scrapes /metrics in the next of the {@link ScrapeFormat}s in turn, parses
 * the answer strictly ({@link Exposition}) and checks that no counter, histogram bucket or
 * histogram count went down or vanished since its own previous scrape. What breaks a promise is
 * kept (the first {@value #KEPT_FAILURES}) and counted; the thread never stops for it.
 */
final class Scraper implements AutoCloseable {

  static final Duration INTERVAL = Duration.ofMillis(100);
  private static final int KEPT_FAILURES = 20;

  private final String name;
  private final URI metrics;
  private final HttpClient client =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final Thread thread;
  private volatile boolean stopping;

  private final Map<ScrapeFormat, Integer> scrapes = new EnumMap<>(ScrapeFormat.class);
  private final List<String> failures = Collections.synchronizedList(new ArrayList<>());
  private long failureCount;
  private long monotonicChecks;
  private long bytes;
  private long slowestMillis;
  private Map<String, Double> previous;

  Scraper(String name, int metricsPort, int firstFormat) {
    this.name = name;
    this.metrics = URI.create("http://127.0.0.1:" + metricsPort + "/metrics");
    for (ScrapeFormat format : ScrapeFormat.values()) {
      scrapes.put(format, 0);
    }
    this.thread = new Thread(() -> loop(firstFormat), name);
    thread.setDaemon(true);
  }

  Scraper start() {
    thread.start();
    return this;
  }

  private void loop(int firstFormat) {
    ScrapeFormat[] formats = ScrapeFormat.values();
    for (int n = firstFormat; !stopping; n++) {
      long start = System.nanoTime();
      scrapeOnce(formats[n % formats.length]);
      long tookMillis = (System.nanoTime() - start) / 1_000_000;
      slowestMillis = Math.max(slowestMillis, tookMillis);
      long rest = INTERVAL.toMillis() - tookMillis;
      if (rest > 0 && !stopping) {
        try {
          Thread.sleep(rest);
        } catch (InterruptedException e) {
          return;
        }
      }
    }
  }

  private void scrapeOnce(ScrapeFormat format) {
    String body;
    try {
      HttpResponse<String> response =
          client.send(
              HttpRequest.newBuilder(metrics)
                  .header("Accept", format.accept)
                  .timeout(Duration.ofSeconds(30))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      String type = response.headers().firstValue("Content-Type").orElse("");
      if (response.statusCode() != 200 || !type.startsWith(format.contentType)) {
        fail(format, "answered " + response.statusCode() + " " + type);
        return;
      }
      body = response.body();
    } catch (Exception e) {
      fail(format, "no answer: " + e);
      return;
    }
    Exposition exposition;
    try {
      exposition = Exposition.parse(body, format.openMetrics);
    } catch (RuntimeException e) {
      fail(format, "does not parse: " + e.getMessage());
      return;
    }
    Map<String, Double> now = new HashMap<>();
    for (Exposition.Sample sample : exposition.samples()) {
      if (sample.monotonic()) {
        now.put(sample.key(), sample.value());
      }
    }
    if (previous != null) {
      for (Map.Entry<String, Double> before : previous.entrySet()) {
        Double after = now.get(before.getKey());
        monotonicChecks++;
        if (after == null) {
          fail(format, before.getKey() + " vanished (was " + before.getValue() + ")");
        } else if (after < before.getValue()) {
          fail(format, before.getKey() + " went back from " + before.getValue() + " to " + after);
        }
      }
    }
    previous = now;
    bytes += body.length();
    synchronized (scrapes) {
      scrapes.merge(format, 1, Integer::sum);
    }
  }

  private void fail(ScrapeFormat format, String what) {
    failureCount++;
    if (failures.size() < KEPT_FAILURES) {
      failures.add(name + " " + format + ": " + what);
    }
  }

  /** Stops the thread after the scrape under way, and waits for it. */
  @Override
  public void close() throws InterruptedException {
    stopping = true;
    thread.join(60_000);
  }

  /** Successful scrapes by format; read after {@link #close}. */
  Map<ScrapeFormat, Integer> scrapes() {
    synchronized (scrapes) {
      return new EnumMap<>(scrapes);
    }
  }

  String name() {
    return name;
  }

  long failureCount() {
    return failureCount;
  }

  List<String> failures() {
    return new ArrayList<>(failures);
  }

  long monotonicChecks() {
    return monotonicChecks;
  }

  long bytes() {
    return bytes;
  }

  long slowestMillis() {
    return slowestMillis;
  }
}
