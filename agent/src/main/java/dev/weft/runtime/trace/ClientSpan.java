package dev.weft.runtime.trace;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;

/** The span of one client call and the W3C headers that carry it to the server. */
public final class ClientSpan extends RecordedSpan {

  private final Context context;
  private final Tracing tracing;

  ClientSpan(Span span, Context context, Tracing tracing) {
    super(span);
    this.context = context;
    this.tracing = tracing;
  }


  public String[] headers() {
    return tracing.inject(context);
  }

  public void end(int status, Throwable error) {
    if (!span.isRecording()) {
      return;
    }
    if (status >= 100) {
      span.setAttribute(ServerSpan.STATUS, (long) status);
    }
    if (error != null) {
      span.recordException(error);
      span.setAttribute(ServerSpan.ERROR_TYPE, error.getClass().getName());
      span.setStatus(StatusCode.ERROR);
    } else if (status >= 400) {
      span.setAttribute(ServerSpan.ERROR_TYPE, Integer.toString(status));
      span.setStatus(StatusCode.ERROR);
    }
    span.end();
  }
}
