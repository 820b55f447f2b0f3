package dev.weft.smoke;

import com.sun.net.httpserver.HttpServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * A short-lived batch JVM: serves /hello and /fail on a free loopback port, calls them itself
 * with the JDK's HttpClient, then exits. For the Pushgateway test: no one scrapes it, its
 * metrics must be pushed at exit.
 *
 * <pre>
 * java [-javaagent:weft-agent.jar] -cp jdk-http-service.jar dev.weft.smoke.BatchJob OK FAILING
 * </pre>
 *
 * <p>Makes {@code OK} calls to /hello (200) and {@code FAILING} calls to /fail (500), one after
 * another, prints one summary line and exits with status 0 ({@code System.exit}: its server's
 * threads are not daemons, as a batch job's pools often are not).
 */
public final class BatchJob {

  private BatchJob() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 2) {
      System.err.println("usage: BatchJob <ok calls> <failing calls>");
      System.exit(2);
    }
    int ok = Integer.parseInt(args[0]);
    int failing = Integer.parseInt(args[1]);
    HttpServer server = JdkHttpService.start(0);
    String base = "http://127.0.0.1:" + server.getAddress().getPort();
    HttpClient client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    int[] statuses = new int[600];
    for (int i = 0; i < ok + failing; i++) {
      String path = i < ok ? "/hello" : "/fail";
      int status =
          client
              .send(
                  HttpRequest.newBuilder(URI.create(base + path))
                      .timeout(Duration.ofSeconds(10))
                      .build(),
                  HttpResponse.BodyHandlers.discarding())
              .statusCode();
      statuses[Math.min(status, 599)]++;
    }
    System.out.println(
        "batch-job: " + statuses[200] + " answered 200, " + statuses[500] + " answered 500");
    System.out.flush();
    // Waits for the handlers still finishing their exchanges (their bookkeeping ends a moment
    // after the client has its answer), as a job that shuts down cleanly does.
    server.stop(5);
    System.exit(0);
  }
}
