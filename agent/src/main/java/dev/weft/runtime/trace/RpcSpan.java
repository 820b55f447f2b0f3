package dev.weft.runtime.trace;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;

/**
 * The span of one RPC, server or client, and the context it makes: on the server, the context the
 * handler's callbacks run in (made current per callback, on whatever thread runs it); on the
 * client, the context whose W3C headers go into the call's metadata.
 */
public final class RpcSpan extends RecordedSpan {

  static final AttributeKey<Long> GRPC_STATUS = AttributeKey.longKey("rpc.grpc.status_code");

  private final Context context;
  private final Tracing tracing;
  private final boolean server;

  RpcSpan(Span span, Context context, Tracing tracing, boolean server) {
    super(span);
    this.context = context;
    this.tracing = tracing;
    this.server = server;
  }

  /** The context with this span in it (an OpenTelemetry Context, for the context bridge). */
  public Object context() {
    return context;
  }

  public String[] headers() {
    return tracing.inject(context);
  }

  /**
   * Ends the span with the call's gRPC status code. A client span is an error for every code but
   * OK; a server span only for the codes that mean the server failed (OpenTelemetry's RPC
   * conventions): UNKNOWN, DEADLINE_EXCEEDED, UNIMPLEMENTED, INTERNAL, UNAVAILABLE, DATA_LOSS.
   */
  public void end(int code, String codeName, Throwable error) {
    if (!span.isRecording()) {
      return;
    }
    span.setAttribute(GRPC_STATUS, (long) code);
    if (error != null) {
      span.recordException(error);
    }
    if (code != 0 && (!server || serverFault(code))) {
      span.setAttribute(ServerSpan.ERROR_TYPE, codeName);
      span.setStatus(StatusCode.ERROR);
    }
    span.end();
  }

  static boolean serverFault(int code) {
    switch (code) {
      case 2: // UNKNOWN
      case 4: // DEADLINE_EXCEEDED
      case 12: // UNIMPLEMENTED
      case 13: // INTERNAL
      case 14: // UNAVAILABLE
      case 15: // DATA_LOSS
        return true;
      default:
        return false;
    }
  }
}
