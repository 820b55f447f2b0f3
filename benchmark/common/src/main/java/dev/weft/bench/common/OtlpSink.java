package dev.weft.bench.common;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A tiny OTLP/HTTP receiver on loopback for the {@code otel-traces} configuration: it answers
 * {@code 200} to every {@code POST /v1/traces} (and to any other OTLP path), reads and drops the
 * body, and counts requests and bytes, so that exporting costs the agent what a real collector on
 * the same host would, minus the collector's own CPU.
 */
public final class OtlpSink implements AutoCloseable {

    private final HttpServer server;
    private final ExecutorService executor;
    private final AtomicLong traceRequests = new AtomicLong();
    private final AtomicLong traceBytes = new AtomicLong();
    private final AtomicLong otherRequests = new AtomicLong();

    private OtlpSink(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    public static OtlpSink start() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        ExecutorService executor = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "otlp-sink");
            t.setDaemon(true);
            return t;
        });
        OtlpSink sink = new OtlpSink(server, executor);
        server.createContext("/", sink::handle);
        server.setExecutor(executor);
        server.start();
        return sink;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public String endpoint() {
        return "http://127.0.0.1:" + port();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            long bytes = 0;
            try (InputStream body = exchange.getRequestBody()) {
                byte[] buffer = new byte[8192];
                for (int n = body.read(buffer); n >= 0; n = body.read(buffer)) {
                    bytes += n;
                }
            }
            boolean post = "POST".equals(exchange.getRequestMethod());
            if (post && exchange.getRequestURI().getPath().equals("/v1/traces")) {
                traceRequests.incrementAndGet();
                traceBytes.addAndGet(bytes);
            } else {
                otherRequests.incrementAndGet();
            }
            // An empty ExportTraceServiceResponse: full success.
            exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
            exchange.sendResponseHeaders(post ? 200 : 405, -1);
        }
    }

    /** Trace export requests so far. */
    public long traceRequests() {
        return traceRequests.get();
    }

    public long traceBytes() {
        return traceBytes.get();
    }

    public long otherRequests() {
        return otherRequests.get();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
