package dev.weft.runtime.trace;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;

/** The CLIENT span of one database operation. */
public final class DbSpan extends RecordedSpan {


  DbSpan(Span span) {
    super(span);
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
