package dev.weft.bench.minimalservice;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.Executors;

/**
 * The minimal service of the benchmark: what a new user writes with the JDK alone. A
 * {@code com.sun.net.httpserver.HttpServer} on 127.0.0.1 (port from {@code --port N}, default
 * 8080) with a pool of 8 handler threads, an in-memory H2 database seeded with 1,000 users, and:
 * <ul>
 *   <li>{@code GET /ping}: {@code pong}, the cheapest route;</li>
 *   <li>{@code GET /users/{id}}: the user as JSON from H2 (404 if there is none);</li>
 *   <li>{@code GET /fail}: a query on a table that does not exist, answered 500;</li>
 *   <li>{@code GET /bench/allocated}: the heap bytes the JVM's threads have allocated so far.</li>
 * </ul>
 */
public final class MinimalService {

    static final int USERS = 1000;
    static final String URL = "jdbc:h2:mem:minimal;DB_CLOSE_DELAY=-1";
    private static final byte[] PONG = "pong".getBytes(StandardCharsets.US_ASCII);

    /** One connection per handler thread: H2 in memory, no pool needed. */
    private static final ThreadLocal<Connection> CONNECTION = ThreadLocal.withInitial(() -> {
        try {
            return DriverManager.getConnection(URL, "sa", "");
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    });

    private MinimalService() {
    }

    public static void main(String[] args) throws Exception {
        int port = 8080;
        for (int i = 0; i + 1 < args.length; i++) {
            if (args[i].equals("--port")) {
                port = Integer.parseInt(args[++i]);
            }
        }
        Connection seed = DriverManager.getConnection(URL, "sa", "");
        try (Statement s = seed.createStatement()) {
            s.execute("create table users (id int primary key, name varchar(100), email varchar(200))");
        }
        try (PreparedStatement insert = seed.prepareStatement("insert into users values (?, ?, ?)")) {
            for (int id = 1; id <= USERS; id++) {
                insert.setInt(1, id);
                insert.setString(2, "User " + id);
                insert.setString(3, "user" + id + "@example.com");
                insert.addBatch();
            }
            insert.executeBatch();
        }
        // seed stays open: the in-memory database lives as long as one connection does (and DB_CLOSE_DELAY=-1).

        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 128);
        server.createContext("/ping", MinimalService::ping);
        server.createContext("/users/", MinimalService::user);
        server.createContext("/fail", MinimalService::fail);
        server.createContext("/bench/allocated", MinimalService::allocated);
        server.setExecutor(Executors.newFixedThreadPool(8));
        server.start();
        System.out.println("minimal service listening on http://127.0.0.1:" + server.getAddress().getPort());
    }

    private static void ping(HttpExchange exchange) throws IOException {
        try (exchange) {
            exchange.getResponseHeaders().set("Content-Type", "text/plain");
            exchange.sendResponseHeaders(200, PONG.length);
            try (OutputStream body = exchange.getResponseBody()) {
                body.write(PONG);
            }
        }
    }

    private static void user(HttpExchange exchange) throws IOException {
        try (exchange) {
            int id;
            try {
                id = Integer.parseInt(exchange.getRequestURI().getPath().substring("/users/".length()));
            } catch (NumberFormatException e) {
                send(exchange, 400, "{\"error\":\"bad id\"}");
                return;
            }
            try (PreparedStatement q = CONNECTION.get().prepareStatement("select id, name, email from users where id = ?")) {
                q.setInt(1, id);
                try (ResultSet rs = q.executeQuery()) {
                    if (!rs.next()) {
                        send(exchange, 404, "{\"error\":\"no such user\"}");
                        return;
                    }
                    send(exchange, 200, "{\"id\":" + rs.getInt(1) + ",\"name\":\"" + rs.getString(2) + "\",\"email\":\""
                            + rs.getString(3) + "\"}");
                }
            } catch (SQLException e) {
                send(exchange, 500, "{\"error\":\"database\"}");
            }
        }
    }

    private static void fail(HttpExchange exchange) throws IOException {
        try (exchange) {
            try (Statement s = CONNECTION.get().createStatement()) {
                s.executeQuery("select * from no_such_table");
                send(exchange, 200, "{}");
            } catch (SQLException e) {
                send(exchange, 500, "{\"error\":\"" + e.getClass().getSimpleName() + "\"}");
            }
        }
    }

    private static void allocated(HttpExchange exchange) throws IOException {
        try (exchange) {
            ThreadMXBean threads = ManagementFactory.getThreadMXBean();
            long total = -1;
            if (threads instanceof com.sun.management.ThreadMXBean hotspot && hotspot.isThreadAllocatedMemoryEnabled()) {
                try {
                    total = hotspot.getTotalThreadAllocatedBytes();
                } catch (UnsupportedOperationException e) {
                    total = 0;
                    for (long bytes : hotspot.getThreadAllocatedBytes(threads.getAllThreadIds())) {
                        total += Math.max(0, bytes);
                    }
                }
            }
            send(exchange, total < 0 ? 501 : 200, "{\"allocatedBytes\":" + total + "}");
        }
    }

    private static void send(HttpExchange exchange, int status, String json) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream body = exchange.getResponseBody()) {
            body.write(bytes);
        }
    }
}
