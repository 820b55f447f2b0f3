package dev.weft.smoke.client;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A service that makes HTTP calls with one client library at a time, on command:
 * {@code GET /run?client=<name>&base=<url>&refusedPort=<port>&tag=<tag>&ok=<n>&appTraceparent=<n>
 * &post=<n>&notFound=<n>&serverError=<n>&refused=<n>&threads=<n>} sends that plan and answers
 * with what the application saw, one {@code key=count} per line ({@code 200=...},
 * {@code error:ConnectException=...}, {@code bodyMismatch=...}).
 *
 * <p>The calls: {@code ok} GETs of {@code <base>/ok/<tag>/<i>?secret=hunter2} (the server answers
 * 200 with the traceparent it received), {@code appTraceparent} GETs carrying the application's
 * own {@link #APP_TRACEPARENT}, {@code post} POSTs of a body to {@code <base>/echo/<tag>/<i>} (201,
 * body echoed), GETs answered 404 and 500, and GETs to a closed port.
 */
public final class HttpClientService {

  public static final String APP_TRACEPARENT =
      "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

  private HttpClientService() {}

  public static void main(String[] args) throws Exception {
    int port = 0;
    for (int i = 0; i + 1 < args.length; i += 2) {
      if (args[i].equals("--port")) {
        port = Integer.parseInt(args[i + 1]);
      }
    }
    HttpServer control =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 16);
    control.createContext("/run", HttpClientService::run);
    control.setExecutor(Executors.newFixedThreadPool(2));
    control.start();
    System.out.println(
        "http-client-service listening on http://127.0.0.1:" + control.getAddress().getPort());
  }

  private static void run(HttpExchange exchange) throws IOException {
    String answer;
    int status = 200;
    try {
      Map<String, String> q = query(exchange.getRequestURI().getRawQuery());
      answer = execute(q);
    } catch (Throwable t) {
      status = 500;
      answer = "failed: " + t + "\n";
      t.printStackTrace();
    }
    byte[] body = answer.getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(status, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  static String execute(Map<String, String> q) throws Exception {
    String base = q.get("base");
    String tag = q.get("tag");
    List<Call> calls = new ArrayList<>();
    for (int i = 0; i < count(q, "ok"); i++) {
      calls.add(Call.get(base + "/ok/" + tag + "/" + i + "?secret=hunter2", null, 200));
    }
    for (int i = 0; i < count(q, "appTraceparent"); i++) {
      calls.add(Call.get(base + "/ok/" + tag + "/app-" + i, APP_TRACEPARENT, 200));
    }
    for (int i = 0; i < count(q, "post"); i++) {
      calls.add(Call.post(base + "/echo/" + tag + "/" + i, "payload " + tag + " " + i));
    }
    for (int i = 0; i < count(q, "notFound"); i++) {
      calls.add(Call.get(base + "/status/404/" + tag + "/" + i, null, 404));
    }
    for (int i = 0; i < count(q, "serverError"); i++) {
      calls.add(Call.get(base + "/status/500/" + tag + "/" + i, null, 500));
    }
    for (int i = 0; i < count(q, "refused"); i++) {
      calls.add(
          Call.get("http://127.0.0.1:" + q.get("refusedPort") + "/refused/" + tag + "/" + i, null, -1));
    }
    int threads = Math.max(1, count(q, "threads"));
    Client client = Clients.create(q.get("client"));
    Map<String, AtomicInteger> seen = new ConcurrentHashMap<>();
    try {
      List<List<Call>> shares = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        shares.add(new ArrayList<>());
      }
      for (int i = 0; i < calls.size(); i++) {
        shares.get(i % threads).add(calls.get(i));
      }
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      List<Future<?>> done = new ArrayList<>();
      for (List<Call> share : shares) {
        done.add(
            pool.submit(
                () -> {
                  // Each thread starts all of its calls, then waits for them: for the
                  // asynchronous clients, many calls are in flight at once.
                  List<CompletableFuture<Result>> results = new ArrayList<>();
                  for (Call call : share) {
                    results.add(client.send(call));
                  }
                  for (int i = 0; i < share.size(); i++) {
                    record(share.get(i), results.get(i).join(), seen);
                  }
                  return null;
                }));
      }
      for (Future<?> f : done) {
        f.get(120, TimeUnit.SECONDS);
      }
      pool.shutdown();
    } finally {
      client.close();
    }
    StringBuilder out = new StringBuilder();
    for (Map.Entry<String, AtomicInteger> e : new TreeMap<>(seen).entrySet()) {
      out.append(e.getKey()).append('=').append(e.getValue().get()).append('\n');
    }
    return out.toString();
  }

  private static void record(Call call, Result result, Map<String, AtomicInteger> seen) {
    String key = result.error != null ? "error:" + result.error : Integer.toString(result.status);
    seen.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
    if (result.error == null && result.status != call.expectedStatus) {
      seen.computeIfAbsent("statusMismatch", k -> new AtomicInteger()).incrementAndGet();
    }
    if (call.body != null && result.error == null && !call.body.equals(result.body)) {
      seen.computeIfAbsent("bodyMismatch", k -> new AtomicInteger()).incrementAndGet();
    }
    if (call.traceparent != null && result.error == null && !call.traceparent.equals(result.body)) {
      seen.computeIfAbsent("appTraceparentMismatch", k -> new AtomicInteger()).incrementAndGet();
    }
  }

  private static int count(Map<String, String> q, String key) {
    String v = q.get(key);
    return v == null ? 0 : Integer.parseInt(v);
  }

  private static Map<String, String> query(String raw) {
    Map<String, String> q = new LinkedHashMap<>();
    if (raw != null) {
      for (String pair : raw.split("&")) {
        int eq = pair.indexOf('=');
        if (eq > 0) {
          q.put(
              URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
              URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
      }
    }
    return q;
  }

  /** One call of the plan. */
  static final class Call {
    final String method;
    final String url;
    final String body; // POST only
    final String traceparent; // the application's own, or null
    final int expectedStatus;

    private Call(String method, String url, String body, String traceparent, int expectedStatus) {
      this.method = method;
      this.url = url;
      this.body = body;
      this.traceparent = traceparent;
      this.expectedStatus = expectedStatus;
    }

    static Call get(String url, String traceparent, int expectedStatus) {
      return new Call("GET", url, null, traceparent, expectedStatus);
    }

    static Call post(String url, String body) {
      return new Call("POST", url, body, null, 201);
    }
  }

  /** What the application saw: a status and body, or the exception (its simple name). */
  static final class Result {
    final int status;
    final String body;
    final String error;

    private Result(int status, String body, String error) {
      this.status = status;
      this.body = body;
      this.error = error;
    }

    static Result of(int status, String body) {
      return new Result(status, body, null);
    }

    static Result failed(Throwable t) {
      return new Result(-1, null, t.getClass().getSimpleName());
    }
  }

  /** One client library; sync clients answer with completed futures. */
  interface Client extends AutoCloseable {
    CompletableFuture<Result> send(Call call);

    @Override
    default void close() throws Exception {}
  }
}
