package dev.weft.bench.micro;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

/**
 * One HTTP call made with Spring's {@code WebClient} (Spring Framework 7) on Reactor Netty 1.3
 * (its default connector, one kept-alive pooled connection) to a minimal HTTP/1.1 responder over
 * loopback. The responder is a plain socket loop, which no agent instruments: what the agents add
 * is the client's cost alone (the call's metrics, its CLIENT span, its {@code traceparent}).
 */
@State(Scope.Benchmark)
public class WebClientCallBenchmark {

  private static final byte[] RESPONSE =
      "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\nhello"
          .getBytes(StandardCharsets.US_ASCII);

  private ServerSocket server;
  private Thread acceptor;
  private ConnectionProvider pool;
  private WebClient client;
  private String uri;

  @Setup(Level.Trial)
  public void start() throws IOException {
    server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    acceptor = new Thread(this::accept, "responder");
    acceptor.setDaemon(true);
    acceptor.start();
    pool = ConnectionProvider.builder("bench").maxConnections(1).build();
    client =
        WebClient.builder()
            .clientConnector(
                new org.springframework.http.client.reactive.ReactorClientHttpConnector(
                    HttpClient.create(pool)))
            .build();
    uri = "http://127.0.0.1:" + server.getLocalPort() + "/users/42";
  }

  @Benchmark
  public String call() {
    return client.get().uri(uri).retrieve().bodyToMono(String.class).block(Duration.ofSeconds(10));
  }

  @TearDown(Level.Trial)
  public void stop() throws IOException {
    server.close();
    pool.disposeLater().block(Duration.ofSeconds(10));
  }

  /** Accepts connections; each is answered on a thread of its own. */
  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket socket = server.accept();
        Thread t = new Thread(() -> answer(socket), "responder-connection");
        t.setDaemon(true);
        t.start();
      } catch (IOException closed) {
        return;
      }
    }
  }

  /** Answers every request on the connection (bodiless GETs: a head ends at an empty line). */
  private static void answer(Socket socket) {
    try (Socket s = socket) {
      s.setTcpNoDelay(true);
      InputStream in = s.getInputStream();
      OutputStream out = s.getOutputStream();
      byte[] buffer = new byte[8192];
      int state = 0;
      int n;
      while ((n = in.read(buffer)) > 0) {
        for (int i = 0; i < n; i++) {
          byte b = buffer[i];
          if (b == '\r' || b == '\n') {
            state++;
            if (state == 4) {
              out.write(RESPONSE);
              out.flush();
              state = 0;
            }
          } else {
            state = 0;
          }
        }
      }
    } catch (IOException gone) {
      // the client closed the connection
    }
  }
}
