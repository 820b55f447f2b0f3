package dev.weft.instrumentation.grpc.v1;

import dev.weft.bootstrap.ContextBridge;
import dev.weft.bootstrap.Operations;
import dev.weft.bootstrap.WeftBridge;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;

/**
 * Weft's client interceptor: each call is one RPC operation from its {@code start} to the
 * {@code onClose} its listener gets (gRPC always delivers one: a response's status, a deadline
 * exceeded, a cancellation, an unavailable server). Its span's W3C headers go into the call's
 * metadata unless the application set a {@code traceparent} itself, and the caller's context is
 * current in the listener's callbacks (an asynchronous stub's observer runs on another thread).
 */
public final class GrpcClientInterceptor implements ClientInterceptor {

  static final GrpcClientInterceptor INSTANCE = new GrpcClientInterceptor();

  private GrpcClientInterceptor() {}

  @Override
  public <Q, R> ClientCall<Q, R> interceptCall(
      MethodDescriptor<Q, R> method, CallOptions callOptions, Channel next) {
    return new RecordingCall<>(next.newCall(method, callOptions), method, next);
  }

  /** One call: started, its headers carrying the span, ended by its listener's close. */
  static final class RecordingCall<Q, R>
      extends ForwardingClientCall.SimpleForwardingClientCall<Q, R> {
    private final MethodDescriptor<Q, R> method;
    private final Channel channel;
    private Object op;

    RecordingCall(ClientCall<Q, R> call, MethodDescriptor<Q, R> method, Channel channel) {
      super(call);
      this.method = method;
      this.channel = channel;
    }

    @Override
    public void start(Listener<R> responseListener, Metadata headers) {
      Operations operations = WeftBridge.operations();
      Listener<R> listener = responseListener;
      try {
        Object started =
            operations.startRpcClient(
                GrpcServerInterceptor.KIND, method.getFullMethodName(), channel.authority());
        if (started != null) {
          if (!headers.containsKey(GrpcServerInterceptor.TRACEPARENT)) {
            String[] h = operations.propagationHeaders(started);
            for (int i = 0; i + 1 < h.length; i += 2) {
              headers.put(key(h[i]), h[i + 1]);
            }
          }
          listener =
              new RecordingListener<>(responseListener, started, WeftBridge.context().current());
          op = started;
        }
      } catch (Throwable t) {
        WeftBridge.adviceFailed(t, "grpc-1");
      }
      try {
        super.start(listener, headers);
      } catch (RuntimeException | Error e) {
        if (op != null) {
          operations.end(op, GrpcServerInterceptor.UNKNOWN, e);
        }
        throw e;
      }
    }

    private static Metadata.Key<String> key(String name) {
      switch (name) {
        case "traceparent":
          return GrpcServerInterceptor.TRACEPARENT;
        case "tracestate":
          return GrpcServerInterceptor.TRACESTATE;
        case "baggage":
          return GrpcServerInterceptor.BAGGAGE;
        default:
          return Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER);
      }
    }
  }

  /** The application's listener, called in the caller's context; its close ends the call. */
  static final class RecordingListener<R>
      extends ForwardingClientCallListener.SimpleForwardingClientCallListener<R> {
    private final Object op;
    private final Object callerContext;

    RecordingListener(ClientCall.Listener<R> listener, Object op, Object callerContext) {
      super(listener);
      this.op = op;
      this.callerContext = callerContext;
    }

    @Override
    public void onHeaders(Metadata headers) {
      ContextBridge bridge = WeftBridge.context();
      Object scope = bridge.attach(callerContext);
      try {
        super.onHeaders(headers);
      } finally {
        bridge.detach(scope);
      }
    }

    @Override
    public void onMessage(R message) {
      ContextBridge bridge = WeftBridge.context();
      Object scope = bridge.attach(callerContext);
      try {
        super.onMessage(message);
      } finally {
        bridge.detach(scope);
      }
    }

    @Override
    public void onReady() {
      ContextBridge bridge = WeftBridge.context();
      Object scope = bridge.attach(callerContext);
      try {
        super.onReady();
      } finally {
        bridge.detach(scope);
      }
    }

    @Override
    public void onClose(Status status, Metadata trailers) {
      try {
        WeftBridge.operations().end(op, status.getCode().value(), status.getCause());
      } catch (Throwable t) {
        WeftBridge.adviceFailed(t, "grpc-1");
      }
      ContextBridge bridge = WeftBridge.context();
      Object scope = bridge.attach(callerContext);
      try {
        super.onClose(status, trailers);
      } finally {
        bridge.detach(scope);
      }
    }
  }
}
