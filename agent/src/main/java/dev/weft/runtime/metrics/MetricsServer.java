package dev.weft.runtime.metrics;

import com.sun.net.httpserver.Authenticator;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.weft.runtime.core.WeftLog;
import dev.weft.runtime.core.config.ConfigKey;
import dev.weft.runtime.core.config.MetricsServerSettings;
import dev.weft.runtime.core.config.WeftConfig;
import io.prometheus.metrics.exporter.httpserver.DefaultHandler;
import io.prometheus.metrics.exporter.httpserver.HealthyHandler;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;

/**
 * Weft's own HTTP server: /metrics, /-/healthy and an index page on weft.metrics.host and
 * weft.metrics.port, over HTTPS with weft.metrics.tls.keystore and behind basic authentication
 * with weft.metrics.auth.*. The JDK's server, set up by Weft (client_java's HTTPServer takes no
 * other /metrics handler).
 */
final class MetricsServer {

  private final WeftConfig config;
  private final MetricsRuntime runtime;
  private volatile HttpServer server;

  MetricsServer(WeftConfig config, MetricsRuntime runtime) {
    this.config = config;
    this.runtime = runtime;
  }

  /**
   * Starts the /metrics server, over HTTPS and behind basic authentication when configured. A
   * taken port, a bad host or a keystore that cannot be read is one line in the log and nothing
   * is served (never less protected than configured); the application and the rest of Weft go on.
   *
   * @return the URL served, or null
   */
  String start() {
    String host = config.metricsHost();
    int port = config.metricsPort();
    MetricsServerSettings access = config.metricsServer();
    SSLContext tls;
    try {
      tls = access.tls() ? KeystoreTls.context(access) : null;
    } catch (IOException | GeneralSecurityException | RuntimeException e) {
      // The keystore's path is named, never its password; the exception's text carries neither.
      WeftLog.warn(
          "cannot serve /metrics on "
              + host
              + ":"
              + port
              + ": the keystore "
              + ConfigKey.METRICS_TLS_KEYSTORE.key()
              + "="
              + access.keystore()
              + " ("
              + access.keystoreType()
              + ") cannot be used ("
              + e
              + "); /metrics is not served (never without TLS), the application runs on; check"
              + " the keystore, weft.metrics.tls.keystore.password and"
              + " weft.metrics.tls.keystore.type");
      return null;
    }
    try {
      // What Prometheus client_java's HTTPServer set up, less its protobuf answer: the same
      // three paths, /metrics through TextFormatScrapes (HTTPServer takes no other handler for
      // it), the same request and response time limits, and started from a daemon thread of its
      // executor so that the JDK server's dispatcher thread is a daemon too.
      requestTimeLimitsDefault();
      InetSocketAddress address = new InetSocketAddress(host, port);
      HttpServer started;
      if (tls != null) {
        HttpsServer https = HttpsServer.create(address, 3);
        https.setHttpsConfigurator(new HttpsConfigurator(tls));
        started = https;
      } else {
        started = HttpServer.create(address, 3);
      }
      Authenticator auth = access.authentication() ? authenticator(access) : null;
      for (HttpContext context :
          new HttpContext[] {
            started.createContext("/", new DefaultHandler("/metrics")),
            started.createContext("/metrics", new TextFormatScrapes(runtime.exposedRegistry())),
            started.createContext("/-/healthy", new HealthyHandler())
          }) {
        if (auth != null) {
          context.setAuthenticator(auth);
        }
      }
      ExecutorService executor = serverExecutor();
      started.setExecutor(executor);
      try {
        executor.submit(started::start).get();
      } catch (InterruptedException | java.util.concurrent.ExecutionException e) {
        started.stop(0);
        executor.shutdown();
        if (e instanceof InterruptedException) {
          Thread.currentThread().interrupt();
        }
        throw new IOException("starting the /metrics server", e.getCause() != null ? e.getCause() : e);
      }
      server = started;
      return (tls != null ? "https://" : "http://")
          + host
          + ":"
          + started.getAddress().getPort()
          + "/metrics";
    } catch (BindException e) {
      WeftLog.warn(
          "cannot serve /metrics on "
              + host
              + ":"
              + port
              + ": port "
              + port
              + " is in use or the address is not local ("
              + e.getMessage()
              + "); the application runs on, set weft.metrics.port to a free port");
    } catch (IOException | RuntimeException e) {
      WeftLog.warn(
          "cannot serve /metrics on "
              + host
              + ":"
              + port
              + " ("
              + e
              + "); the application runs on, check weft.metrics.host and weft.metrics.port");
    }
    return null;
  }

  /**
   * Basic authentication for every path of the server, counting the requests it turns away in a
   * metric of Weft's own, never in the application's HTTP metrics.
   */
  private Authenticator authenticator(MetricsServerSettings access) {
    return new ScrapeAuthenticator(
        access.username(), access.password(), runtime.scrapesRejected());
  }

  void stop() {
    HttpServer s = server;
    if (s != null) {
      s.stop(0);
      ((ExecutorService) s.getExecutor()).shutdown();
    }
  }

  /**
   * The limits client_java's HTTPServer sets (when not set already) on the JDK's HTTP server: 60 s
   * to read a request, 600 s to write a response.
   */
  private static void requestTimeLimitsDefault() {
    if (!System.getProperties().containsKey("sun.net.httpserver.maxReqTime")) {
      System.setProperty("sun.net.httpserver.maxReqTime", "60");
    }
    if (!System.getProperties().containsKey("sun.net.httpserver.maxRspTime")) {
      System.setProperty("sun.net.httpserver.maxRspTime", "600");
    }
  }

  /** Two daemon threads: scrapes never keep the JVM alive nor compete with the app's pools. */
  private static ExecutorService serverExecutor() {
    AtomicInteger n = new AtomicInteger();
    ThreadPoolExecutor executor =
        new ThreadPoolExecutor(
            2,
            2,
            60,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(),
            r -> {
              Thread t = new Thread(r, "weft-metrics-http-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    executor.allowCoreThreadTimeOut(true);
    return executor;
  }
}
