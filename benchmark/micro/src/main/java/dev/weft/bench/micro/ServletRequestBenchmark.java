package dev.weft.bench.micro;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.file.Files;
import org.apache.catalina.Context;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * One HTTP request to a servlet in embedded Tomcat 11 over loopback, sent with Apache HttpClient
 * 5 (a keep-alive connection): Weft's servlet-jakarta and http-client-apache5 modules at work.
 */
@State(Scope.Benchmark)
public class ServletRequestBenchmark {

  private Tomcat tomcat;
  private CloseableHttpClient client;
  private String url;

  @Setup(Level.Trial)
  public void start() throws Exception {
    tomcat = new Tomcat();
    tomcat.setBaseDir(Files.createTempDirectory("weft-bench-tomcat").toString());
    Connector connector = new Connector();
    connector.setPort(0);
    connector.setProperty("address", "127.0.0.1");
    tomcat.setConnector(connector);
    Context ctx = tomcat.addContext("", null);
    Tomcat.addServlet(
        ctx,
        "users",
        new HttpServlet() {
          private static final long serialVersionUID = 1L;

          @Override
          protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            resp.setContentType("text/plain");
            resp.getWriter().write("hello");
          }
        });
    ctx.addServletMappingDecoded("/users/*", "users");
    tomcat.start();
    url = "http://127.0.0.1:" + connector.getLocalPort() + "/users/42";
    client = HttpClients.createDefault();
  }

  @Benchmark
  public String request() throws Exception {
    return client.execute(new HttpGet(url), response -> EntityUtils.toString(response.getEntity()));
  }

  @TearDown(Level.Trial)
  public void stop() throws Exception {
    client.close();
    tomcat.stop();
    tomcat.destroy();
  }
}
