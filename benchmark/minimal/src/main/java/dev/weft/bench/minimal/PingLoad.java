package dev.weft.bench.minimal;

import dev.weft.bench.common.HttpConnection;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Closed-loop load on one route: C workers, each on its own keep-alive connection, send
 * {@code GET path} as soon as the previous response is read, either until a number of requests
 * has been sent by all of them together or for a time.
 */
final class PingLoad {

    /** What one load measured. */
    record Result(long ok, long errors, double seconds) {
        double throughput() {
            return seconds > 0 ? ok / seconds : 0;
        }
    }

    private final String host;
    private final int port;
    private final int connections;
    private final byte[] request;

    PingLoad(String host, int port, int connections, String path) {
        this.host = host;
        this.port = port;
        this.connections = connections;
        this.request = HttpConnection.get(host, port, path);
    }

    /** Sends {@code requests} requests in all. */
    Result count(long requests) throws InterruptedException {
        AtomicLong budget = new AtomicLong(requests);
        return run(() -> budget.getAndDecrement() > 0);
    }

    /** Sends requests for {@code seconds}. */
    Result time(double seconds) throws InterruptedException {
        long deadline = System.nanoTime() + (long) (seconds * 1e9);
        return run(() -> System.nanoTime() - deadline < 0);
    }

    private interface Go {
        boolean more();
    }

    private Result run(Go go) throws InterruptedException {
        CountDownLatch start = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(connections);
        AtomicLong ok = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < connections; i++) {
            Thread t = new Thread(() -> {
                long mineOk = 0;
                long mineErrors = 0;
                try (HttpConnection c = new HttpConnection(host, port, 30_000)) {
                    start.await();
                    while (go.more()) {
                        try {
                            if (c.exchange(request, false) == 200) {
                                mineOk++;
                            } else {
                                mineErrors++;
                            }
                        } catch (IOException | RuntimeException e) {
                            c.close();
                            mineErrors++;
                        }
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    ok.addAndGet(mineOk);
                    errors.addAndGet(mineErrors);
                    done.countDown();
                }
            }, "ping-load-" + i);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
        long t0 = System.nanoTime();
        start.countDown();
        if (!done.await(10, TimeUnit.MINUTES)) {
            throw new IllegalStateException("load workers did not finish");
        }
        return new Result(ok.get(), errors.get(), (System.nanoTime() - t0) / 1e9);
    }
}
