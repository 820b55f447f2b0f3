package dev.weft.instrumentation.grpc.v1;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.weft.testing.WeftAgentExtension;
import io.grpc.CallOptions;
import io.grpc.HandlerRegistry;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerMethodDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A server whose fallback registry answers any method name (a proxy, a reflection-driven server)
 * and a client that calls many distinct names: both sides keep at most the cardinality limit of
 * service/method pairs, the rest share {@code _other_} and are counted as overflow. Weft is
 * installed with a limit of 3 here, so this class runs in a JVM of its own (reuseForks=false).
 */
class GrpcCardinalityTest {

  private static final int LIMIT = 3;

  @RegisterExtension
  static final WeftAgentExtension weft =
      WeftAgentExtension.modules("grpc-1")
          .with("weft.metrics.cardinality.limit", Integer.toString(LIMIT));

  /** Answers every method it is asked for with "ok". */
  static final class AnyMethod extends HandlerRegistry {
    @Override
    public ServerMethodDefinition<?, ?> lookupMethod(String methodName, String authority) {
      MethodDescriptor<String, String> method =
          MethodDescriptor.<String, String>newBuilder()
              .setType(MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(methodName)
              .setRequestMarshaller(Greeter.TEXT)
              .setResponseMarshaller(Greeter.TEXT)
              .build();
      return ServerMethodDefinition.create(
          method,
          ServerCalls.asyncUnaryCall(
              (String request, io.grpc.stub.StreamObserver<String> response) -> {
                response.onNext("ok");
                response.onCompleted();
              }));
    }
  }

  @Test
  void methodsBeyondTheLimitShareOtherOnBothSidesAndAreCounted() throws Exception {
    Server server =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .fallbackHandlerRegistry(new AnyMethod())
            .build()
            .start();
    ManagedChannel channel =
        NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
    int distinct = 10;
    try {
      for (int i = 0; i < distinct; i++) {
        MethodDescriptor<String, String> m =
            Greeter.method("M" + i, MethodDescriptor.MethodType.UNARY).toBuilder()
                .setFullMethodName("scan.Service" + i + "/M" + i)
                .build();
        assertEquals("ok", ClientCalls.blockingUnaryCall(channel, m, CallOptions.DEFAULT, "x"));
      }
    } finally {
      channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
      server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }

    for (String side : new String[] {"server", "client"}) {
      String counter = "rpc_" + side + "_requests_total";
      weft.awaitCounter(counter, distinct - LIMIT, "service", "_other_", "method", "_other_", "code", "OK");
      Map<Map<String, String>, Double> expected = new HashMap<>();
      for (int i = 0; i < LIMIT; i++) {
        expected.put(labels("scan.Service" + i, "M" + i), 1.0);
      }
      expected.put(labels("_other_", "_other_"), (double) (distinct - LIMIT));
      assertEquals(expected, weft.changedSeries(counter), counter);
      assertEquals(
          (double) (distinct - LIMIT),
          weft.counter("weft_label_overflow_total", "metric", "rpc_" + side + "_requests"),
          side + " overflow");
    }
  }

  private static Map<String, String> labels(String service, String method) {
    Map<String, String> l = new HashMap<>();
    l.put("service", service);
    l.put("method", method);
    l.put("code", "OK");
    return l;
  }
}
