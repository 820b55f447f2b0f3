package dev.weft.reliability;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Sends a planned number of GET requests from a number of keep-alive connections, one thread
 * each, and counts what came back: per route and per answered status, exactly.
 *
 * <p>Request {@code i} goes to route {@code i % routes} and asks for status {@link
 * #statusOf}{@code (i / routes)}: every route gets the same mix, and the mix of the whole is
 * known before the first request ({@link #MIX}).
 */
final class LoadDriver {

  /** The statuses asked for, in 20ths: 60% 200, 10% 201, 15% 404, 10% 500, 5% 503. */
  static final int[] STATUSES = {200, 201, 404, 500, 503};

  private static final int[] MIX = mix();

  private static int[] mix() {
    int[] mix = new int[20];
    for (int i = 0; i < 20; i++) {
      mix[i] = i < 12 ? 0 : i < 14 ? 1 : i < 17 ? 2 : i < 19 ? 3 : 4;
    }
    return mix;
  }

  /** The index in {@link #STATUSES} that the {@code round}-th request of a route asks for. */
  static int statusOf(long round) {
    return MIX[(int) (round % MIX.length)];
  }

  /** What the load generator knows once every request has been answered. */
  static final class Tally {
    final long[][] byRouteAndStatus; // [route][index in STATUSES]
    long requests;
    long connectionsOpened;
    long nanos;

    Tally(int routes) {
      byRouteAndStatus = new long[routes][STATUSES.length];
    }

    long byStatus(int statusIndex) {
      long sum = 0;
      for (long[] route : byRouteAndStatus) {
        sum += route[statusIndex];
      }
      return sum;
    }
  }

  /** What a route's URL looks like on the server under test: {@code "/r/" + n + "/"}. */
  interface RoutePath {
    String of(int route);
  }

  private LoadDriver() {}

  /**
   * Sends {@code requests} requests over {@code connections} connections to {@code port} and
   * returns the tally; throws if any request failed or was answered another status than asked.
   */
  static Tally run(int port, int connections, long requests, int routes, RoutePath paths)
      throws InterruptedException {
    String[] prefixes = new String[routes];
    for (int r = 0; r < routes; r++) {
      prefixes[r] = paths.of(r) + "?s=";
    }
    AtomicLong next = new AtomicLong();
    ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
    List<Tally> tallies = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    long start = System.nanoTime();
    for (int c = 0; c < connections; c++) {
      Tally tally = new Tally(routes);
      tallies.add(tally);
      Thread thread =
          new Thread(
              () -> {
                try (KeepAliveConnection connection = new KeepAliveConnection(port)) {
                  for (long i = next.getAndIncrement();
                      i < requests && failures.isEmpty();
                      i = next.getAndIncrement()) {
                    int route = (int) (i % routes);
                    int asked = statusOf(i / routes);
                    int status = connection.get(prefixes[route] + STATUSES[asked]);
                    if (status != STATUSES[asked]) {
                      throw new IllegalStateException(
                          "asked " + prefixes[route] + STATUSES[asked] + ", answered " + status);
                    }
                    tally.byRouteAndStatus[route][asked]++;
                    tally.requests++;
                  }
                  tally.connectionsOpened = connection.opened();
                } catch (Throwable t) {
                  failures.add(t);
                }
              },
              "load-" + c);
      threads.add(thread);
      thread.start();
    }
    for (Thread thread : threads) {
      thread.join();
    }
    if (!failures.isEmpty()) {
      IllegalStateException e =
          new IllegalStateException(failures.size() + " load connections failed");
      failures.forEach(e::addSuppressed);
      throw e;
    }
    Tally total = new Tally(routes);
    for (Tally tally : tallies) {
      for (int r = 0; r < routes; r++) {
        for (int s = 0; s < STATUSES.length; s++) {
          total.byRouteAndStatus[r][s] += tally.byRouteAndStatus[r][s];
        }
      }
      total.requests += tally.requests;
      total.connectionsOpened += tally.connectionsOpened;
    }
    total.nanos = System.nanoTime() - start;
    return total;
  }
}
