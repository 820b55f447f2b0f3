package dev.weft.smoke;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A plain {@code com.sun.net.httpserver} service: the smoke tests' target and Weft's demo.
 *
 * <pre>
 * java [-javaagent:weft-agent.jar] -jar jdk-http-service.jar [--port N] [--demo] [--virtual-threads]
 * </pre>
 *
 * <p>With {@code --virtual-threads} (JDK 21 and later) every request runs on a virtual thread of
 * its own ({@code Executors.newVirtualThreadPerTaskExecutor()}) instead of a pool of 8 platform
 * threads.
 *
 * <ul>
 *   <li>{@code /hello}: 200 "hello" ({@link HelloHandler})
 *   <li>{@code /fail}: 500
 *   <li>{@code /boom}: the handler throws before it sends anything
 *   <li>{@code /users/}: 200, echoes the path; a user {@link Filter} sits in front of it
 *   <li>{@code /hop/<id>}: logs (java.util.logging, with Weft's ids), hands work to a new thread
 *       and to an executor, both of which log, and answers 200 (500 for an id starting with
 *       {@code fail}) ({@link HopHandler})
 *   <li>{@code /pin-once}: 200; the first request pins its virtual thread once, on purpose
 *       ({@link PinnedOnce}: a control for the smoke tests' JFR pinning check)
 *   <li>{@code /r/<n>/} for n below {@code --routes N} (default 0: none): one context per route,
 *       each answering the status its query asks for ({@code ?s=404}, default 200) ({@link
 *       RoutesHandler}): many route templates with statuses chosen by the client
 *   <li>{@code /call?path=/hello}: calls this service's {@code path} with the JDK's HttpClient (an
 *       outgoing call, for Weft's HTTP client metrics) and answers 200 with the status it got, or
 *       with "error &lt;exception&gt;" when no response came (as for /boom)
 * </ul>
 */
public final class JdkHttpService {

  static final int DEFAULT_PORT = 8080;
  static final int DEFAULT_METRICS_PORT = 9464;
  static final int DEMO_REQUESTS_PER_KIND = 20;

  private JdkHttpService() {}

  public static void main(String[] args) throws Exception {
    int port = DEFAULT_PORT;
    boolean demo = false;
    boolean virtualThreads = false;
    int routes = 0;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--port":
          if (i + 1 >= args.length) {
            usage("--port needs a value");
          }
          port = parsePort(args[++i]);
          break;
        case "--routes":
          if (i + 1 >= args.length) {
            usage("--routes needs a value");
          }
          routes = Integer.parseInt(args[++i]);
          break;
        case "--demo":
          demo = true;
          break;
        case "--virtual-threads":
          virtualThreads = true;
          break;
        case "--help":
        case "-h":
          usage(null);
          break;
        default:
          usage("unknown argument: " + args[i]);
      }
    }

    configureLogging();
    ExecutorService executor;
    if (virtualThreads) {
      executor = newVirtualThreadPerTaskExecutorOrNull();
      if (executor == null) {
        usage("--virtual-threads needs JDK 21 or later, this is " + Runtime.version());
      }
    } else {
      executor = newExecutor();
    }
    HttpServer server = start(port, executor);
    RoutesHandler.register(server, routes);
    int actualPort = server.getAddress().getPort();
    if (virtualThreads) {
      System.out.println("jdk-http-service runs requests on virtual threads");
    }
    System.out.println("jdk-http-service listening on http://127.0.0.1:" + actualPort);
    System.out.flush();

    if (demo) {
      runDemo(actualPort);
    }
  }

  /** The /users/ requests answered. */
  static final java.util.concurrent.atomic.AtomicLong USERS_SERVED =
      new java.util.concurrent.atomic.AtomicLong();

  /** Creates and starts the server on the loopback interface, on 8 platform threads. */
  static HttpServer start(int port) throws IOException {
    return start(port, newExecutor());
  }

  /** Creates and starts the server on the loopback interface, its requests run by executor. */
  static HttpServer start(int port, ExecutorService executor) throws IOException {
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
    server.setExecutor(executor);

    server.createContext("/hello", new HelloHandler());
    server.createContext(
        "/fail", exchange -> respond(exchange, 500, "fail: deliberate 500\n"));
    server.createContext(
        "/boom",
        exchange -> {
          throw new IllegalStateException("boom: deliberate failure in the handler");
        });
    HttpContext users =
        server.createContext(
            "/users/",
            exchange -> {
              // Counted before the answer goes out: counted after, a client could read /served
              // between its last response and the increment (seen once: 4,999 for 5,000).
              USERS_SERVED.incrementAndGet();
              respond(exchange, 200, exchange.getRequestURI().getPath());
            });
    users.getFilters().add(new TagFilter());
    server.createContext("/call", new CallHandler());
    server.createContext("/hop/", new HopHandler());
    server.createContext("/pin-once", exchange -> respond(exchange, 200, PinnedOnce.touch()));
    // How many /users/ requests the server answered: a client may send a request twice (the JDK
    // client retries a GET once when a kept-alive connection closes under it).
    server.createContext(
        "/served", exchange -> respond(exchange, 200, Long.toString(USERS_SERVED.get())));

    server.start();
    return server;
  }

  /** java.util.logging to stderr, one line per record, with the trace ids Weft adds (%7$s-%9$s). */
  static final String LOG_FORMAT =
      "%1$tH:%1$tM:%1$tS.%1$tL %4$s [%3$s] trace_id=%7$s span_id=%8$s trace_flags=%9$s - %5$s%6$s%n";

  private static void configureLogging() {
    // Read when the root logger's ConsoleHandler makes its SimpleFormatter, on first use. Without
    // Weft the JDK cannot format %7$s with its six arguments and falls back to its default.
    if (System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
      System.setProperty("java.util.logging.SimpleFormatter.format", LOG_FORMAT);
    }
  }

  /** {@code Executors.newVirtualThreadPerTaskExecutor()} on JDK 21 and later, else null. */
  static ExecutorService newVirtualThreadPerTaskExecutorOrNull() {
    try {
      return (ExecutorService)
          Executors.class.getMethod("newVirtualThreadPerTaskExecutor").invoke(null);
    } catch (NoSuchMethodException e) {
      return null;
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(e);
    }
  }

  /** {@code Thread.isVirtual()}, JDK 21 and later; null before. */
  private static final java.lang.reflect.Method IS_VIRTUAL = isVirtualMethod();

  private static java.lang.reflect.Method isVirtualMethod() {
    try {
      return Thread.class.getMethod("isVirtual");
    } catch (NoSuchMethodException e) {
      return null;
    }
  }

  /** {@code thread.isVirtual()} on JDK 21 and later; false before. */
  static boolean isVirtual(Thread thread) {
    try {
      return IS_VIRTUAL != null && (Boolean) IS_VIRTUAL.invoke(thread);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(e);
    }
  }

  private static ExecutorService newExecutor() {
    AtomicInteger count = new AtomicInteger();
    ThreadFactory threads =
        runnable -> {
          Thread t = new Thread(runnable, "http-worker-" + count.incrementAndGet());
          t.setDaemon(false);
          return t;
        };
    return Executors.newFixedThreadPool(8, threads);
  }

  static void respond(HttpExchange exchange, int status, String body) throws IOException {
    try (InputStream in = exchange.getRequestBody()) {
      in.transferTo(OutputStream.nullOutputStream());
    }
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  /** A user filter: Weft must count the request once, not once per filter. */
  static final class TagFilter extends Filter {
    @Override
    public void doFilter(HttpExchange exchange, Chain chain) throws IOException {
      exchange.getResponseHeaders().set("X-Users-Filter", "seen");
      chain.doFilter(exchange);
    }

    @Override
    public String description() {
      return "adds X-Users-Filter to every /users/ response";
    }
  }

  /** {@code /call?path=P}: one GET of this service's P through the JDK's HttpClient. */
  static final class CallHandler implements HttpHandler {
    private final HttpClient client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    @Override
    public void handle(HttpExchange exchange) throws IOException {
      String query = exchange.getRequestURI().getRawQuery();
      String path = query != null && query.startsWith("path=") ? query.substring(5) : "";
      if (!path.startsWith("/") || path.startsWith("/call")) {
        respond(exchange, 400, "usage: /call?path=/<path of this service, not /call>\n");
        return;
      }
      URI target =
          URI.create("http://127.0.0.1:" + exchange.getLocalAddress().getPort() + path);
      String answer;
      try {
        answer = Integer.toString(client.send(get(target.toString()),
            HttpResponse.BodyHandlers.discarding()).statusCode());
      } catch (IOException e) {
        answer = "error " + e.getClass().getSimpleName();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        answer = "error interrupted";
      }
      respond(exchange, 200, answer + "\n");
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Demo mode

  private static void runDemo(int port) {
    HttpClient client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    String base = "http://127.0.0.1:" + port;
    int ok = 0;
    int failed = 0;
    for (int i = 0; i < DEMO_REQUESTS_PER_KIND; i++) {
      List<HttpRequest> requests = new ArrayList<>();
      requests.add(get(base + "/hello"));
      requests.add(get(base + "/fail"));
      requests.add(get(base + "/users/" + (i + 1)));
      // POST: a client may retry a GET whose connection dropped, which would skew the demo.
      requests.add(
          HttpRequest.newBuilder(URI.create(base + "/boom"))
              .timeout(Duration.ofSeconds(5))
              .POST(HttpRequest.BodyPublishers.ofString("{}"))
              .build());
      for (HttpRequest request : requests) {
        try {
          client.send(request, HttpResponse.BodyHandlers.discarding());
          ok++;
        } catch (IOException e) {
          failed++; // /boom closes the connection without a response: expected
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
    System.out.println(
        "demo: sent "
            + (ok + failed)
            + " requests ("
            + DEMO_REQUESTS_PER_KIND
            + " each to /hello, /fail, /boom, /users/<id>); "
            + failed
            + " ended without a response (/boom throws)");

    int metricsPort = metricsPort();
    String metricsUrl = "http://127.0.0.1:" + metricsPort + "/metrics";
    try {
      // The response can reach the client a moment before the server-side bookkeeping ends.
      Thread.sleep(200);
      HttpResponse<String> response =
          client.send(get(metricsUrl), HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        throw new IOException("HTTP " + response.statusCode());
      }
      System.out.println("demo: Weft's HTTP server metrics from " + metricsUrl + ":");
      for (String line : response.body().split("\n")) {
        if (line.startsWith("http_request")) {
          System.out.println("  " + line);
        }
      }
      System.out.println(
          "demo: all of Weft's metrics are at " + metricsUrl + " ; the service keeps serving on "
              + base + " . Press Ctrl+C to stop.");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException | RuntimeException e) {
      System.out.println("demo: could not fetch " + metricsUrl + " (" + e + ").");
      System.out.println(
          "demo: the Weft agent is probably not attached (or serves /metrics on another port)."
              + " Start the demo with: java -javaagent:agent/target/weft-agent.jar"
              + " -jar smoke-tests/jdk-http-service/target/jdk-http-service.jar --demo"
              + " ; the service keeps serving on " + base + " . Press Ctrl+C to stop.");
    }
  }

  private static HttpRequest get(String url) {
    return HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).GET().build();
  }

  /**
   * Where Weft serves /metrics, as far as the demo can tell: the system property, else the agent
   * argument ({@code -javaagent:weft-agent.jar=weft.metrics.port=N}), else the environment
   * variable {@code WEFT_METRICS_PORT}, else Weft's default.
   */
  private static int metricsPort() {
    String value = System.getProperty("weft.metrics.port");
    if (value == null) {
      for (String arg : java.lang.management.ManagementFactory.getRuntimeMXBean()
          .getInputArguments()) {
        int at = arg.startsWith("-javaagent:") ? arg.indexOf("weft.metrics.port=") : -1;
        if (at >= 0) {
          String rest = arg.substring(at + "weft.metrics.port=".length());
          int end = rest.indexOf(';');
          value = end >= 0 ? rest.substring(0, end) : rest;
        }
      }
    }
    if (value == null) {
      value = System.getenv("WEFT_METRICS_PORT");
    }
    if (value == null || value.trim().isEmpty()) {
      return DEFAULT_METRICS_PORT;
    }
    try {
      return Integer.parseInt(value.trim());
    } catch (NumberFormatException e) {
      return DEFAULT_METRICS_PORT;
    }
  }

  private static int parsePort(String value) {
    try {
      int port = Integer.parseInt(value);
      if (port < 0 || port > 65535) {
        usage("--port must be 0-65535, got " + value);
      }
      return port;
    } catch (NumberFormatException e) {
      usage("--port must be a number 0-65535, got " + value);
      return -1;
    }
  }

  private static void usage(String problem) {
    if (problem != null) {
      System.err.println("jdk-http-service: " + problem);
    }
    System.err.println("usage: java [-javaagent:weft-agent.jar] -jar jdk-http-service.jar"
        + " [--port N (default " + DEFAULT_PORT + ")] [--demo] [--virtual-threads (JDK 21+)]"
        + " [--routes N]");
    System.exit(problem == null ? 0 : 2);
  }
}
