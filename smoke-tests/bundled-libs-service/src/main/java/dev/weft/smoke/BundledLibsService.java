package dev.weft.smoke;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.PackageVersion;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URL;
import java.security.CodeSource;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import net.bytebuddy.ByteBuddy;
import net.bytebuddy.ClassFileVersion;
import net.bytebuddy.dynamic.loading.ClassLoadingStrategy;
import net.bytebuddy.implementation.FixedValue;
import net.bytebuddy.matcher.ElementMatchers;

/**
 * A service that ships its own, other versions of the libraries Weft bundles (Byte Buddy, Jackson,
 * Prometheus client_java), un-relocated in one fat jar, and uses all of them on every request.
 *
 * <pre>
 * java [-javaagent:weft-agent.jar] -jar bundled-libs-service.jar --port N --app-metrics-port M
 * </pre>
 *
 * <p>{@code /orders} generates a class with the app's Byte Buddy, serializes with the app's Jackson,
 * counts {@code app_orders_total} in the app's own Prometheus registry (the default one, exposed by
 * the app's own exporter on port M) and answers with the library versions the app really sees.
 */
public final class BundledLibsService {

  static final String GENERATED_TO_STRING = "made by the app's own Byte Buddy";

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final AtomicLong ORDER_IDS = new AtomicLong();

  private static final Counter ORDERS =
      Counter.builder()
          .name("app_orders_total")
          .help("Orders served by the bundled-libs smoke service")
          .register(PrometheusRegistry.defaultRegistry);

  private BundledLibsService() {}

  public static void main(String[] args) throws Exception {
    int port = 8081;
    int appMetricsPort = 9400;
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if ((arg.equals("--port") || arg.equals("--app-metrics-port")) && i + 1 < args.length) {
        int value = Integer.parseInt(args[++i]);
        if (arg.equals("--port")) {
          port = value;
        } else {
          appMetricsPort = value;
        }
      } else {
        System.err.println(
            "usage: java -jar bundled-libs-service.jar [--port N] [--app-metrics-port M]");
        System.exit(2);
      }
    }

    HTTPServer appMetrics =
        HTTPServer.builder()
            .inetAddress(InetAddress.getLoopbackAddress())
            .port(appMetricsPort)
            .registry(PrometheusRegistry.defaultRegistry)
            .buildAndStart();

    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
    server.setExecutor(Executors.newFixedThreadPool(4));
    server.createContext("/orders", BundledLibsService::orders);
    server.start();

    System.out.println(
        "bundled-libs-service app metrics on http://127.0.0.1:" + appMetrics.getPort() + "/metrics");
    System.out.println(
        "bundled-libs-service listening on http://127.0.0.1:" + server.getAddress().getPort());
    System.out.flush();
  }

  private static void orders(HttpExchange exchange) throws IOException {
    try (InputStream in = exchange.getRequestBody()) {
      in.transferTo(OutputStream.nullOutputStream());
    }
    int status = 200;
    Map<String, Object> body = new LinkedHashMap<>();
    try {
      // 1. The app's Byte Buddy generates a class. A fixed class file version keeps this working
      //    on JDKs newer than this Byte Buddy knows.
      Class<?> generated =
          new ByteBuddy(ClassFileVersion.JAVA_V11)
              .subclass(Object.class)
              .method(ElementMatchers.named("toString"))
              .intercept(FixedValue.value(GENERATED_TO_STRING))
              .make()
              .load(BundledLibsService.class.getClassLoader(), ClassLoadingStrategy.Default.WRAPPER)
              .getLoaded();
      Object instance = generated.getDeclaredConstructor().newInstance();

      // 2. The app's Jackson serializes a small order.
      Map<String, Object> order = new LinkedHashMap<>();
      order.put("id", ORDER_IDS.incrementAndGet());
      order.put("item", "widget");
      order.put("quantity", 3);
      String orderJson = MAPPER.writeValueAsString(order);

      // 3. The app's own counter.
      ORDERS.inc();

      body.put("order", orderJson);
      body.put("generatedToString", instance.toString());
      body.put("byteBuddyVersion", versionOf(ByteBuddy.class, "net.bytebuddy", "byte-buddy"));
      body.put("byteBuddyLocation", locationOf(ByteBuddy.class));
      body.put("jacksonVersion", PackageVersion.VERSION.toString());
      body.put("jacksonLocation", locationOf(ObjectMapper.class));
      body.put(
          "prometheusVersion",
          versionOf(Counter.class, "io.prometheus", "prometheus-metrics-core"));
      body.put("prometheusLocation", locationOf(Counter.class));
    } catch (Exception | LinkageError e) {
      status = 500;
      body.put("error", e.toString());
    }
    byte[] bytes = MAPPER.writeValueAsBytes(body);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  /**
   * The version recorded in the Maven metadata of the very jar the class was loaded from (a fat
   * jar's manifest no longer carries the libraries' Implementation-Version).
   */
  static String versionOf(Class<?> anchor, String groupId, String artifactId) {
    String resource = "META-INF/maven/" + groupId + "/" + artifactId + "/pom.properties";
    try {
      CodeSource source = anchor.getProtectionDomain().getCodeSource();
      if (source != null && source.getLocation() != null) {
        URL url = new URL("jar:" + source.getLocation() + "!/" + resource);
        try (InputStream in = url.openStream()) {
          Properties properties = new Properties();
          properties.load(in);
          String version = properties.getProperty("version");
          if (version != null) {
            return version;
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      // fall through
    }
    Package pkg = anchor.getPackage();
    String fromManifest = pkg == null ? null : pkg.getImplementationVersion();
    return fromManifest == null ? "unknown" : fromManifest;
  }

  static String locationOf(Class<?> type) {
    CodeSource source = type.getProtectionDomain().getCodeSource();
    return source == null || source.getLocation() == null
        ? String.valueOf(type.getClassLoader())
        : source.getLocation().toString();
  }
}
