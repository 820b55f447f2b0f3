package dev.weft.instrumentation.grpc.v1;

import io.grpc.Context;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.api.trace.Span;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A small gRPC service for the tests, {@code weft.demo.Greeter}, with hand-written method
 * descriptors over UTF-8 text (no code generation): one method of each kind. The requests say
 * what the handler does: {@code ok}, {@code internal} (fails INTERNAL), {@code throw} (the handler
 * throws: the server answers UNKNOWN), {@code wait} (answers only once the call is cancelled, by
 * its deadline or by the client), and for the server stream a count or {@code forever}.
 */
final class Greeter {

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
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[256];
            int n;
            while ((n = stream.read(buf)) > 0) {
              out.write(buf, 0, n);
            }
            return new String(out.toByteArray(), StandardCharsets.UTF_8);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      };

  static final MethodDescriptor<String, String> SAY_HELLO =
      method("SayHello", MethodDescriptor.MethodType.UNARY);
  static final MethodDescriptor<String, String> LIST_GREETINGS =
      method("ListGreetings", MethodDescriptor.MethodType.SERVER_STREAMING);
  static final MethodDescriptor<String, String> COLLECT =
      method("Collect", MethodDescriptor.MethodType.CLIENT_STREAMING);
  static final MethodDescriptor<String, String> CHAT =
      method("Chat", MethodDescriptor.MethodType.BIDI_STREAMING);
  /** Not registered on the server. */
  static final MethodDescriptor<String, String> MISSING =
      method("Missing", MethodDescriptor.MethodType.UNARY);

  /** The span id current in each handler callback, in the order they ran. */
  final List<String> handlerSpans = new CopyOnWriteArrayList<>();
  /** The thread of each handler callback. */
  final List<String> handlerThreads = new CopyOnWriteArrayList<>();

  static MethodDescriptor<String, String> method(String name, MethodDescriptor.MethodType type) {
    return MethodDescriptor.<String, String>newBuilder()
        .setType(type)
        .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, name))
        .setRequestMarshaller(TEXT)
        .setResponseMarshaller(TEXT)
        .build();
  }

  private void seen() {
    handlerSpans.add(Span.current().getSpanContext().getSpanId());
    handlerThreads.add(Thread.currentThread().getName());
  }

  ServerServiceDefinition definition() {
    return ServerServiceDefinition.builder(SERVICE)
        .addMethod(SAY_HELLO, ServerCalls.asyncUnaryCall(this::sayHello))
        .addMethod(LIST_GREETINGS, ServerCalls.asyncServerStreamingCall(this::listGreetings))
        .addMethod(COLLECT, ServerCalls.asyncClientStreamingCall(this::collect))
        .addMethod(CHAT, ServerCalls.asyncBidiStreamingCall(this::chat))
        .build();
  }

  private void sayHello(String request, StreamObserver<String> response) {
    seen();
    switch (request) {
      case "internal":
        response.onError(Status.INTERNAL.withDescription("failing on purpose").asRuntimeException());
        return;
      case "throw":
        throw new IllegalStateException("handler failure on purpose");
      case "wait":
        awaitCancellation();
        response.onNext("late");
        response.onCompleted();
        return;
      default:
        response.onNext("hello " + request);
        response.onCompleted();
    }
  }

  private void listGreetings(String request, StreamObserver<String> response) {
    seen();
    if (request.equals("forever")) {
      response.onNext("first");
      awaitCancellation();
      return; // cancelled: nothing more to say
    }
    int n = Integer.parseInt(request);
    for (int i = 0; i < n; i++) {
      response.onNext("greeting " + i);
    }
    response.onCompleted();
  }

  private StreamObserver<String> collect(StreamObserver<String> response) {
    seen();
    return new StreamObserver<String>() {
      int count;

      @Override
      public void onNext(String value) {
        seen();
        count++;
      }

      @Override
      public void onError(Throwable t) {}

      @Override
      public void onCompleted() {
        seen();
        response.onNext(Integer.toString(count));
        response.onCompleted();
      }
    };
  }

  private StreamObserver<String> chat(StreamObserver<String> response) {
    seen();
    return new StreamObserver<String>() {
      @Override
      public void onNext(String value) {
        seen();
        response.onNext("echo " + value);
      }

      @Override
      public void onError(Throwable t) {}

      @Override
      public void onCompleted() {
        seen();
        response.onCompleted();
      }
    };
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
}
