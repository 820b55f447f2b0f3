package dev.weft.instrumentation.grpc.v1;

import dev.weft.bootstrap.ContextBridge;
import dev.weft.bootstrap.HeaderFields;
import dev.weft.bootstrap.OperationKind;
import dev.weft.bootstrap.Operations;
import dev.weft.bootstrap.WeftBridge;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.concurrent.TimeUnit;

/**
 * Weft's server interceptor: each call is one RPC operation from its headers to its close, with
 * the status the client is told. The call's span context is current while the next handler
 * starts the call and in every callback of its listener, on whichever executor thread runs it,
 * so what the handler does (a downstream HTTP call, say) joins the caller's trace.
 *
 * <p>Outcomes: {@code close(status)} ends the call with that status, unless the call was already
 * cancelled (the status then never reached the client); a cancelled call ends as
 * {@code DEADLINE_EXCEEDED} when its deadline has passed (or was less than 100 ms away: the
 * client's own timer fires first), else {@code CANCELLED}; a callback that
 * throws ends it as {@code UNKNOWN}, the status gRPC's server sends for that.
 */
public final class GrpcServerInterceptor implements ServerInterceptor {

  static final GrpcServerInterceptor INSTANCE = new GrpcServerInterceptor();

  static final OperationKind KIND = OperationKind.named("grpc");
  static final int CANCELLED = 1;
  static final int UNKNOWN = 2;
  static final int DEADLINE_EXCEEDED = 4;
  static final long DEADLINE_SLACK_MILLIS = 100;

  static final Metadata.Key<String> TRACEPARENT =
      Metadata.Key.of("traceparent", Metadata.ASCII_STRING_MARSHALLER);
  static final Metadata.Key<String> TRACESTATE =
      Metadata.Key.of("tracestate", Metadata.ASCII_STRING_MARSHALLER);
  static final Metadata.Key<String> BAGGAGE =
      Metadata.Key.of("baggage", Metadata.ASCII_STRING_MARSHALLER);

  private GrpcServerInterceptor() {}

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    Operations operations = WeftBridge.operations();
    Object op = null;
    Object context = null;
    Context callContext = null;
    try {
      op =
          operations.startRpcServer(
              KIND,
              call.getMethodDescriptor().getFullMethodName(),
              HeaderFields.join(headers.getAll(TRACEPARENT)),
              HeaderFields.join(headers.getAll(TRACESTATE)),
              HeaderFields.join(headers.getAll(BAGGAGE)));
      if (op != null) {
        context = operations.context(op);
        callContext = Context.current(); // gRPC's own context of this call
      }
    } catch (Throwable t) {
      WeftBridge.adviceFailed(t, "grpc-1");
    }
    if (op == null) {
      return next.startCall(call, headers);
    }
    RecordingCall<Q, R> recorded = new RecordingCall<>(call, op, callContext);
    ContextBridge bridge = WeftBridge.context();
    Object scope = bridge.attach(context);
    ServerCall.Listener<Q> listener;
    try {
      listener = next.startCall(recorded, headers);
    } catch (RuntimeException | Error e) {
      operations.end(op, UNKNOWN, e);
      throw e;
    } finally {
      bridge.detach(scope);
    }
    return new ContextListener<>(listener, recorded, context);
  }

  /** The call as the handler sees it: its close is the operation's end. */
  static final class RecordingCall<Q, R>
      extends ForwardingServerCall.SimpleForwardingServerCall<Q, R> {
    final Object op;
    private final Context callContext;

    RecordingCall(ServerCall<Q, R> call, Object op, Context callContext) {
      super(call);
      this.op = op;
      this.callContext = callContext;
    }

    @Override
    public void close(Status status, Metadata trailers) {
      try {
        // gRPC cancels the call's context at once (on the transport's thread, or at its
        // deadline); the call's own flag follows on the executor, after the handler returns.
        if (callContext.isCancelled() || isCancelled()) {
          cancelled();
        } else {
          WeftBridge.operations().end(op, status.getCode().value(), status.getCause());
        }
      } catch (Throwable t) {
        WeftBridge.adviceFailed(t, "grpc-1");
      }
      super.close(status, trailers);
    }

    void cancelled() {
      WeftBridge.operations().end(op, pastDeadline() ? DEADLINE_EXCEEDED : CANCELLED, null);
    }

    /**
     * Whether the call was cancelled for its deadline. The client's deadline timer starts before
     * the server's (the server counts from the headers it received), so a client that gives up at
     * its deadline usually cancels the call just before the server's own timer would: a
     * cancellation within {@link #DEADLINE_SLACK_MILLIS} of the deadline counts as the deadline.
     */
    private boolean pastDeadline() {
      Deadline deadline = callContext.getDeadline();
      if (deadline == null) {
        return false;
      }
      if (deadline.timeRemaining(TimeUnit.MILLISECONDS) <= DEADLINE_SLACK_MILLIS) {
        return true;
      }
      Throwable cause = callContext.cancellationCause();
      return cause != null && Status.fromThrowable(cause).getCode() == Status.Code.DEADLINE_EXCEEDED;
    }
  }

  /** The handler's listener, each callback run in the call's context. */
  static final class ContextListener<Q>
      extends ForwardingServerCallListener.SimpleForwardingServerCallListener<Q> {
    private final RecordingCall<Q, ?> call;
    private final Object context;

    ContextListener(ServerCall.Listener<Q> listener, RecordingCall<Q, ?> call, Object context) {
      super(listener);
      this.call = call;
      this.context = context;
    }

    @Override
    public void onMessage(Q message) {
      Object scope = WeftBridge.context().attach(context);
      try {
        super.onMessage(message);
      } catch (RuntimeException | Error e) {
        failed(e);
        throw e;
      } finally {
        WeftBridge.context().detach(scope);
      }
    }

    @Override
    public void onHalfClose() {
      Object scope = WeftBridge.context().attach(context);
      try {
        super.onHalfClose();
      } catch (RuntimeException | Error e) {
        failed(e);
        throw e;
      } finally {
        WeftBridge.context().detach(scope);
      }
    }

    @Override
    public void onCancel() {
      try {
        call.cancelled();
      } catch (Throwable t) {
        WeftBridge.adviceFailed(t, "grpc-1");
      }
      Object scope = WeftBridge.context().attach(context);
      try {
        super.onCancel();
      } finally {
        WeftBridge.context().detach(scope);
      }
    }

    @Override
    public void onComplete() {
      Object scope = WeftBridge.context().attach(context);
      try {
        super.onComplete();
      } finally {
        WeftBridge.context().detach(scope);
      }
    }

    @Override
    public void onReady() {
      Object scope = WeftBridge.context().attach(context);
      try {
        super.onReady();
      } finally {
        WeftBridge.context().detach(scope);
      }
    }

    private void failed(Throwable e) {
      WeftBridge.operations().end(call.op, UNKNOWN, e);
    }
  }
}
