package dev.weft.smoke.chain;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.catalina.Context;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.core5.http.io.entity.EntityUtils;

/**
 * Three services of one request path, chosen by the first argument:
 *
 * <pre>
 * gateway  PORT WORKER_URL    Tomcat 11 servlet /orders/*  -> JDK HttpClient GET WORKER_URL/work
 * worker   PORT EXECUTOR_URL  JDK HttpServer /work -> thread pool task (logs "worker calls the
 *                             executor" through java.util.logging) -> Apache HttpClient 5 GET
 *                             EXECUTOR_URL/run
 * executor PORT               JDK HttpServer /run answers "done" (and prints the traceparent it
 *                             received: "executor received traceparent=...")
 * prober   PORT               JDK HttpServer /probe?hosts=N&port=P: HttpURLConnection GET to N
 *                             distinct loopback addresses 127.0.x.y:P (a closed port), for the
 *                             cardinality guard of the client metrics
 * handoff  PORT               JDK HttpServer /handoff/KIND: work handed to another thread in
 *                             one of many ways (see HandoffService)
 * </pre>
 *
 * The application code knows nothing of tracing: Weft must carry the trace across the three JVMs
 * and across the worker's thread pool by itself. Each prints "ROLE listening on PORT" when ready.
 */
public final class ChainService {

  private ChainService() {}

  /** The worker's one log line per request (java.util.logging, to the console). */
  private static final java.util.logging.Logger WORKER_LOG =
      java.util.logging.Logger.getLogger("dev.weft.smoke.chain.worker");

  public static void main(String[] args) throws Exception {
    String role = args[0];
    int port = Integer.parseInt(args[1]);
    switch (role) {
      case "gateway":
        gateway(port, args[2]);
        break;
      case "worker":
        worker(port, args[2]);
        break;
      case "executor":
        executor(port);
        break;
      case "prober":
        prober(port);
        break;
      case "handoff":
        HandoffService.start(port);
        break;
      default:
        throw new IllegalArgumentException("role must be gateway, worker, executor, prober or handoff: " + role);
    }
    System.out.println(role + " listening on " + port);
    System.out.flush();
  }

  private static void gateway(int port, String workerUrl) throws Exception {
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    Tomcat tomcat = new Tomcat();
    tomcat.setBaseDir(System.getProperty("java.io.tmpdir") + "/chain-gateway-" + port);
    Connector connector = new Connector();
    connector.setPort(port);
    connector.setProperty("address", "127.0.0.1");
    tomcat.setConnector(connector);
    Context ctx = tomcat.addContext("", null);
    Tomcat.addServlet(
        ctx,
        "orders",
        new HttpServlet() {
          private static final long serialVersionUID = 1L;

          @Override
          protected void doGet(HttpServletRequest req, HttpServletResponse resp)
              throws IOException {
            try {
              HttpResponse<String> r =
                  client.send(
                      HttpRequest.newBuilder(URI.create(workerUrl + "/work")).GET().build(),
                      HttpResponse.BodyHandlers.ofString());
              resp.setStatus(r.statusCode());
              resp.getWriter().write("gateway<" + r.body() + ">");
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              resp.setStatus(503);
            }
          }
        });
    ctx.addServletMappingDecoded("/orders/*", "orders");
    tomcat.start();
  }

  private static void worker(int port, String executorUrl) throws IOException {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    CloseableHttpClient client = HttpClients.createDefault();
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 64);
    server.createContext(
        "/work",
        exchange -> {
          try {
            // The request is handed to a pool thread; its call must stay in the same trace.
            Future<String> result =
                pool.submit(
                    () -> {
                      WORKER_LOG.info("worker calls the executor");
                      HttpGet get = new HttpGet(executorUrl + "/run");
                      return client.execute(get, response -> EntityUtils.toString(response.getEntity()));
                    });
            respond(exchange, 200, "worker<" + result.get(10, TimeUnit.SECONDS) + ">");
          } catch (Exception e) {
            respond(exchange, 502, e.toString());
          }
        });
    server.setExecutor(Executors.newFixedThreadPool(4));
    server.start();
  }

  private static void executor(int port) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 64);
    server.createContext(
        "/run",
        exchange -> {
          // What arrived, for the tests of services that export no spans or do not trace at all.
          System.out.println(
              "executor received traceparent=" + exchange.getRequestHeaders().getFirst("traceparent"));
          System.out.flush();
          respond(exchange, 200, "done");
        });
    server.setExecutor(Executors.newFixedThreadPool(4));
    server.start();
  }

  private static void prober(int port) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 64);
    server.createContext(
        "/probe",
        exchange -> {
          String query = exchange.getRequestURI().getQuery();
          int hosts = 0;
          int target = 0;
          for (String pair : query.split("&")) {
            String[] kv = pair.split("=");
            if (kv[0].equals("hosts")) {
              hosts = Integer.parseInt(kv[1]);
            } else if (kv[0].equals("port")) {
              target = Integer.parseInt(kv[1]);
            }
          }
          int refused = 0;
          for (int i = 0; i < hosts; i++) {
            String host = "127.0." + (1 + i / 250) + "." + (1 + i % 250);
            try {
              java.net.HttpURLConnection c =
                  (java.net.HttpURLConnection)
                      URI.create("http://" + host + ":" + target + "/x").toURL().openConnection();
              c.setConnectTimeout(2000);
              c.getResponseCode();
            } catch (IOException expected) {
              refused++;
            }
          }
          respond(exchange, 200, Integer.toString(refused));
        });
    server.setExecutor(Executors.newFixedThreadPool(2));
    server.start();
  }

  private static void respond(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }
}
