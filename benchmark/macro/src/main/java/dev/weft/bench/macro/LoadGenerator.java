package dev.weft.bench.macro;

import dev.weft.bench.common.HttpConnection;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * A fixed, bounded, closed-loop load: C workers, each on its own keep-alive connection, send the
 * next request as soon as the previous response is read, until the deadline. The mix is 80 %
 * {@code GET /owners/{random seeded id}}, 15 % {@code GET /owners?city=...}, 5 %
 * {@code POST /owners}. Every response's latency goes into a histogram (microseconds); a non-2xx
 * status or an I/O error is an error and is not in the histogram.
 */
final class LoadGenerator {

    /**
     * The service's cities (a copy of {@code dev.weft.bench.macroservice.Cities}; the service is a
     * separate executable, so the list is repeated rather than shared).
     */
    static final List<String> CITIES = List.of(
            "Madison", "Sun Prairie", "McFarland", "Windsor", "Monona",
            "Waunakee", "Verona", "Middleton", "Fitchburg", "Oregon",
            "Stoughton", "Cottage Grove", "DeForest", "Marshall", "Mount Horeb",
            "Cross Plains", "Deerfield", "Cambridge", "Belleville", "Lodi");

    /** Ids 1..SEEDED_OWNERS exist right after start-up (the service's {@code bench.seed.owners}). */
    static final int SEEDED_OWNERS = 1000;

    static final int PERCENT_GET_BY_ID = 80;
    static final int PERCENT_GET_BY_CITY = 15;
    static final int PERCENT_POST = 5;

    private static final long HIGHEST_MICROS = TimeUnit.SECONDS.toMicros(120);
    private static final int REQUEST_TIMEOUT_MILLIS = 30_000;

    private final String host;
    private final int port;
    private final int connections;
    private final byte[][] cityRequests;

    LoadGenerator(String host, int port, int connections) {
        this.host = host;
        this.port = port;
        this.connections = connections;
        this.cityRequests = new byte[CITIES.size()][];
        for (int i = 0; i < CITIES.size(); i++) {
            String city = URLEncoder.encode(CITIES.get(i), StandardCharsets.UTF_8).replace("+", "%20");
            cityRequests[i] = HttpConnection.get(host, port, "/owners?city=" + city);
        }
    }

    /** What one bounded load measured. */
    record Result(long ok, long errors, Map<String, Long> errorKinds, double elapsedSeconds, Histogram latencyMicros) {

        double throughput() {
            return elapsedSeconds > 0 ? ok / elapsedSeconds : 0;
        }

        double percentileMillis(double p) {
            return latencyMicros.getTotalCount() == 0 ? Double.NaN : latencyMicros.getValueAtPercentile(p) / 1000.0;
        }

        double meanMillis() {
            return latencyMicros.getTotalCount() == 0 ? Double.NaN : latencyMicros.getMean() / 1000.0;
        }

        double maxMillis() {
            return latencyMicros.getTotalCount() == 0 ? Double.NaN : latencyMicros.getMaxValue() / 1000.0;
        }
    }

    /** Runs the load for {@code seconds} and returns what it measured. */
    Result run(double seconds) throws InterruptedException {
        List<Worker> workers = new ArrayList<>();
        CountDownLatch go = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(connections);
        for (int i = 0; i < connections; i++) {
            Worker w = new Worker(go, done);
            workers.add(w);
            Thread t = new Thread(w, "macro-load-" + i);
            t.setDaemon(true);
            t.start();
        }
        long start = System.nanoTime();
        long deadline = start + (long) (seconds * 1e9);
        for (Worker w : workers) {
            w.deadline = deadline;
        }
        go.countDown();
        // Every request has a 30 s socket time-out, so workers finish soon after the deadline.
        if (!done.await((long) (seconds * 1000) + 2L * REQUEST_TIMEOUT_MILLIS + 5_000, TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("load workers did not finish");
        }
        long end = 0;
        Histogram all = new Histogram(HIGHEST_MICROS, 3);
        long ok = 0;
        long errors = 0;
        Map<String, Long> kinds = new TreeMap<>();
        for (Worker w : workers) {
            end = Math.max(end, w.finishedAt);
            all.add(w.histogram);
            ok += w.ok;
            errors += w.errors;
            w.errorKinds.forEach((k, v) -> kinds.merge(k, v, Long::sum));
        }
        return new Result(ok, errors, kinds, (end - start) / 1e9, all);
    }

    private final class Worker implements Runnable {
        private final CountDownLatch go;
        private final CountDownLatch done;
        private final Histogram histogram = new Histogram(HIGHEST_MICROS, 3);
        private final Map<String, Long> errorKinds = new TreeMap<>();
        private volatile long deadline;
        private long ok;
        private long errors;
        private long finishedAt;

        Worker(CountDownLatch go, CountDownLatch done) {
            this.go = go;
            this.done = done;
        }

        @Override
        public void run() {
            HttpConnection connection = new HttpConnection(host, port, REQUEST_TIMEOUT_MILLIS);
            try {
                go.await();
                ThreadLocalRandom random = ThreadLocalRandom.current();
                long now = System.nanoTime();
                while (now - deadline < 0) {
                    int dice = random.nextInt(100);
                    byte[] request;
                    int expected;
                    String what;
                    if (dice < PERCENT_GET_BY_ID) {
                        request = HttpConnection.get(host, port, "/owners/" + (1 + random.nextInt(SEEDED_OWNERS)));
                        expected = 200;
                        what = "GET /owners/{id}";
                    } else if (dice < PERCENT_GET_BY_ID + PERCENT_GET_BY_CITY) {
                        request = cityRequests[random.nextInt(cityRequests.length)];
                        expected = 200;
                        what = "GET /owners?city";
                    } else {
                        String city = CITIES.get(random.nextInt(CITIES.size()));
                        request = HttpConnection.postJson(host, port, "/owners",
                                "{\"name\":\"Bench Owner " + random.nextInt(1_000_000) + "\",\"city\":\"" + city + "\"}");
                        expected = 201;
                        what = "POST /owners";
                    }
                    long t0 = System.nanoTime();
                    try {
                        int status = connection.exchange(request, false);
                        now = System.nanoTime();
                        if (status == expected) {
                            histogram.recordValue(Math.min(HIGHEST_MICROS, Math.max(1, (now - t0) / 1000)));
                            ok++;
                        } else {
                            error(what + ": HTTP " + status);
                        }
                    } catch (IOException | RuntimeException e) {
                        connection.close();
                        error(what + ": " + e.getClass().getSimpleName() + ": " + e.getMessage());
                        pause();
                        now = System.nanoTime();
                    }
                }
                finishedAt = now;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                finishedAt = System.nanoTime();
            } finally {
                connection.close();
                done.countDown();
            }
        }

        private void error(String kind) {
            errors++;
            if (errorKinds.size() < 20 || errorKinds.containsKey(kind)) {
                errorKinds.merge(kind, 1L, Long::sum);
            } else {
                errorKinds.merge("(other)", 1L, Long::sum);
            }
        }

        private void pause() {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
