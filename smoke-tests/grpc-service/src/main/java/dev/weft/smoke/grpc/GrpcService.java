package dev.weft.smoke.grpc;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.grpc.CallOptions;
import io.grpc.Context;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A gRPC service ({@code weft.demo.Greeter}, hand-written method descriptors over UTF-8 text) and
 * a client of it in one JVM, driven over HTTP:
 *
 * <ul>
 *   <li>{@code /run?n=N&k=K&j=J&m=M}: N unary SayHello calls, the first K failing INTERNAL, the
 *       next J past a 300 ms deadline (DEADLINE_EXCEEDED), the rest OK; then M ListGreetings
 *       server streams of 3 messages. Answers the codes the client saw, as {@code CODE=count}.
 *   <li>{@code /traced}: one SayHello whose handler makes an HTTP call to {@code /downstream}.
 *   <li>{@code /downstream}: answers {@code pong}.
 * </ul>
 */
public final class GrpcService {

  static final String SERVICE = "weft.demo.Greeter";

  static final MethodDescriptor.Marshaller<String> TEXT =
      new MethodDescriptor.Marshaller<String>() {
        @Override
        public InputStream stream(String value) {
          return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String parse(InputStream stream) {
          try {
            return new String(readAll(stream), StandardCharsets.UTF_8);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      };

  static final MethodDescriptor<String, String> SAY_HELLO =
      method("SayHello", MethodDescriptor.MethodType.UNARY);
  static final MethodDescriptor<String, String> LIST_GREETINGS =
      method("ListGreetings", MethodDescriptor.MethodType.SERVER_STREAMING);

  private final int httpPort;
  private ManagedChannel channel;

  private GrpcService(int httpPort) {
    this.httpPort = httpPort;
  }

  public static void main(String[] args) throws Exception {
    int httpPort = 0;
    int grpcPort = 0;
    for (int i = 0; i + 1 < args.length; i += 2) {
      if (args[i].equals("--http-port")) {
        httpPort = Integer.parseInt(args[i + 1]);
      } else if (args[i].equals("--grpc-port")) {
        grpcPort = Integer.parseInt(args[i + 1]);
      }
    }
    new GrpcService(httpPort).start(grpcPort);
  }

  static MethodDescriptor<String, String> method(String name, MethodDescriptor.MethodType type) {
    return MethodDescriptor.<String, String>newBuilder()
        .setType(type)
        .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, name))
        .setRequestMarshaller(TEXT)
        .setResponseMarshaller(TEXT)
        .build();
  }

  private void start(int grpcPort) throws IOException {
    ServerServiceDefinition greeter =
        ServerServiceDefinition.builder(SERVICE)
            .addMethod(SAY_HELLO, ServerCalls.asyncUnaryCall(this::sayHello))
            .addMethod(LIST_GREETINGS, ServerCalls.asyncServerStreamingCall(this::listGreetings))
            .build();
    Server server =
        Grpc.newServerBuilderForPort(grpcPort, InsecureServerCredentials.create())
            .addService(greeter)
            .build()
            .start();
    channel =
        Grpc.newChannelBuilderForAddress(
                "127.0.0.1", server.getPort(), InsecureChannelCredentials.create())
            .build();

    HttpServer http = HttpServer.create(new InetSocketAddress("127.0.0.1", httpPort), 50);
    http.setExecutor(Executors.newFixedThreadPool(4));
    http.createContext("/run", this::run);
    http.createContext("/traced", e -> answer(e, 200, unary("downstream")));
    http.createContext("/downstream", e -> answer(e, 200, "pong"));
    http.start();
    System.out.println("grpc-service gRPC on 127.0.0.1:" + server.getPort());
    System.out.println("grpc-service listening on http://127.0.0.1:" + http.getAddress().getPort());
  }

  // --- the server's handlers

  private void sayHello(String request, StreamObserver<String> response) {
    switch (request) {
      case "internal":
        response.onError(Status.INTERNAL.withDescription("failing on purpose").asRuntimeException());
        return;
      case "wait":
        awaitCancellation();
        response.onNext("late");
        response.onCompleted();
        return;
      case "downstream":
        response.onNext("hello " + get("http://127.0.0.1:" + httpPort + "/downstream"));
        response.onCompleted();
        return;
      default:
        response.onNext("hello " + request);
        response.onCompleted();
    }
  }

  private void listGreetings(String request, StreamObserver<String> response) {
    int n = Integer.parseInt(request);
    for (int i = 0; i < n; i++) {
      response.onNext("greeting " + i);
    }
    response.onCompleted();
  }

  /** Polls the call's own context until it is cancelled, with a 10 s deadline. */
  private static void awaitCancellation() {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!Context.current().isCancelled() && System.nanoTime() < until) {
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private static String get(String url) {
    try {
      HttpURLConnection c = (HttpURLConnection) new URL(url).openConnection();
      try (InputStream in = c.getInputStream()) {
        return new String(readAll(in), StandardCharsets.UTF_8);
      } finally {
        c.disconnect();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  // --- the client, driven over HTTP

  private String unary(String request) {
    return ClientCalls.blockingUnaryCall(channel, SAY_HELLO, CallOptions.DEFAULT, request);
  }

  private void run(HttpExchange exchange) throws IOException {
    try {
      Map<String, Integer> q = query(exchange.getRequestURI().getRawQuery());
      int n = q.getOrDefault("n", 0);
      int k = q.getOrDefault("k", 0);
      int j = q.getOrDefault("j", 0);
      int m = q.getOrDefault("m", 0);
      Map<String, Integer> seen = new TreeMap<>();
      for (int i = 0; i < n; i++) {
        String request = i < k ? "internal" : i < k + j ? "wait" : "n" + i;
        CallOptions options =
            i >= k && i < k + j
                ? CallOptions.DEFAULT.withDeadlineAfter(300, TimeUnit.MILLISECONDS)
                : CallOptions.DEFAULT;
        String code;
        try {
          ClientCalls.blockingUnaryCall(channel, SAY_HELLO, options, request);
          code = "OK";
        } catch (StatusRuntimeException e) {
          code = e.getStatus().getCode().name();
        }
        seen.merge("SayHello:" + code, 1, Integer::sum);
      }
      for (int i = 0; i < m; i++) {
        Iterator<String> it =
            ClientCalls.blockingServerStreamingCall(
                channel, LIST_GREETINGS, CallOptions.DEFAULT, "3");
        int messages = 0;
        while (it.hasNext()) {
          it.next();
          messages++;
        }
        seen.merge("ListGreetings:OK:" + messages, 1, Integer::sum);
      }
      StringBuilder body = new StringBuilder();
      seen.forEach((key, count) -> body.append(body.length() == 0 ? "" : ",").append(key).append('=').append(count));
      answer(exchange, 200, body.toString());
    } catch (RuntimeException e) {
      answer(exchange, 500, e.toString());
    }
  }

  private static Map<String, Integer> query(String raw) {
    Map<String, Integer> out = new TreeMap<>();
    if (raw == null) {
      return out;
    }
    for (String pair : raw.split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0) {
        out.put(pair.substring(0, eq), Integer.parseInt(pair.substring(eq + 1)));
      }
    }
    return out;
  }

  private static void answer(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  private static byte[] readAll(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[1024];
    int r;
    while ((r = in.read(buf)) > 0) {
      out.write(buf, 0, r);
    }
    return out.toByteArray();
  }
}
