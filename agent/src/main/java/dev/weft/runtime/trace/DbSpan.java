package dev.weft.runtime.trace;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.StatusCode;

/** The CLIENT span of one database operation. */
public final class DbSpan {

  private final Span span;

  DbSpan(Span span) {
    this.span = span;
  }

  /** The trace id if this span is sampled (an exemplar is worth a lookup), else null. */
  public String sampledTraceId() {
    SpanContext c = span.getSpanContext();
    return c.isSampled() ? c.getTraceId() : null;
  }

  public String spanId() {
    return span.getSpanContext().getSpanId();
  }

  public void end(Throwable error) {
    if (error != null && span.isRecording()) {
      span.recordException(error);
      span.setAttribute(ServerSpan.ERROR_TYPE, error.getClass().getName());
      span.setStatus(StatusCode.ERROR);
    }
    span.end();
  }
}
