package dev.weft.runtime.trace;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;

/**
 * The span of a record sent (PRODUCER: its context goes into the record's headers) or processed
 * (CONSUMER: current on the processing thread until the application moves on).
 */
public final class MessagingSpan extends RecordedSpan {

  private final Context context;
  private final Tracing tracing;
  private Scope scope; // only touched by the thread that processes the record

  MessagingSpan(Span span, Context context, Scope scope, Tracing tracing) {
    super(span);
    this.context = context;
    this.scope = scope;
    this.tracing = tracing;
  }

  /** The W3C headers that carry this span, as name, value pairs. */
  public String[] headers() {
    return tracing.inject(context);
  }


  public void end(Throwable error) {
    Scope s = scope;
    scope = null;
    if (s != null) {
      s.close();
    }
    if (!span.isRecording()) {
      return;
    }
    if (error != null) {
      span.recordException(error);
      span.setAttribute(ServerSpan.ERROR_TYPE, error.getClass().getName());
      span.setStatus(StatusCode.ERROR);
    }
    span.end();
  }
}
