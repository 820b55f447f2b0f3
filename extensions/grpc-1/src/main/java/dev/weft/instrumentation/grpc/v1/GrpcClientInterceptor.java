package dev.weft.instrumentation.grpc.v1;

import dev.weft.bootstrap.ContextBridge;
import dev.weft.bootstrap.Operations;
import dev.weft.bootstrap.WeakIdentityMap;
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
 *
 * <p>Weft's interceptor runs first, so an interceptor of the application may set its own
 * {@code traceparent} after Weft's: the call would then carry two, which W3C Trace Context reads
 * as none. The transport's call, last before the wire, takes Weft's headers out again then
 * ({@link #beforeSend}): the application's own context goes, as it does when set before.
 */
public final class GrpcClientInterceptor implements ClientInterceptor {

  static final GrpcClientInterceptor INSTANCE = new GrpcClientInterceptor();

  /** The headers Weft put into a call's metadata (name, value pairs), until the call starts. */
  private static final WeakIdentityMap<String[]> PUT = new WeakIdentityMap<>();

  /**
   * Called by the transport's call as it starts, with the metadata it sends: when the
   * application's interceptors added a {@code traceparent} of their own after Weft's, Weft's
   * headers are taken out, so that one {@code traceparent} goes.
   */
  public static void beforeSend(Metadata headers) {
    String[] put = PUT.remove(headers);
    if (put == null) {
      return;
    }
    Iterable<String> traceparents = headers.getAll(GrpcServerInterceptor.TRACEPARENT);
    if (traceparents == null) {
      return;
    }
    int n = 0;
    for (String ignored : traceparents) {
      n++;
    }
    if (n > 1) {
      for (int i = 0; i + 1 < put.length; i += 2) {
        headers.remove(RecordingCall.key(put[i]), put[i + 1]);
      }
    }
  }

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
            if (h.length > 0) {
              PUT.put(headers, h);
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
