package dev.weft.bench.micro;

import io.grpc.CallOptions;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * One unary gRPC call (gRPC Java 1.85 on grpc-netty-shaded, plaintext HTTP/2 over loopback, one
 * channel) to a server in the same JVM that answers at once: both sides are instrumented, so what
 * the agents add is a server call and a client call (metrics, SERVER and CLIENT spans, W3C
 * metadata). Hand-written method descriptors over UTF-8 text: no protobuf in the measurement.
 */
@State(Scope.Benchmark)
public class GrpcUnaryCallBenchmark {

  private static final MethodDescriptor.Marshaller<String> TEXT =
      new MethodDescriptor.Marshaller<String>() {
        @Override
        public InputStream stream(String value) {
          return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String parse(InputStream stream) {
          try {
            return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      };

  private static final MethodDescriptor<String, String> SAY_HELLO =
      MethodDescriptor.<String, String>newBuilder()
          .setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName("weft.demo.Greeter/SayHello")
          .setRequestMarshaller(TEXT)
          .setResponseMarshaller(TEXT)
          .build();

  private Server server;
  private ManagedChannel channel;

  @Setup(Level.Trial)
  public void start() throws IOException {
    ServerServiceDefinition greeter =
        ServerServiceDefinition.builder("weft.demo.Greeter")
            .addMethod(
                SAY_HELLO,
                ServerCalls.asyncUnaryCall(
                    (String name, io.grpc.stub.StreamObserver<String> response) -> {
                      response.onNext("hello " + name);
                      response.onCompleted();
                    }))
            .build();
    server =
        Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create())
            .addService(greeter)
            .build()
            .start();
    channel =
        Grpc.newChannelBuilderForAddress(
                "127.0.0.1", server.getPort(), InsecureChannelCredentials.create())
            .build();
  }

  @Benchmark
  public String call() {
    return ClientCalls.blockingUnaryCall(channel, SAY_HELLO, CallOptions.DEFAULT, "bench");
  }

  @TearDown(Level.Trial)
  public void stop() throws InterruptedException {
    channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
  }
}
