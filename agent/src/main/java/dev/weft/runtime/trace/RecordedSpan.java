package dev.weft.runtime.trace;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;

/** What every span Weft starts answers for exemplars: its trace id if sampled, its span id. */
public abstract class RecordedSpan {

  final Span span;

  RecordedSpan(Span span) {
    this.span = span;
  }

  /** The trace id if this span is sampled (an exemplar is worth a lookup), else null. */
  public final String sampledTraceId() {
    SpanContext c = span.getSpanContext();
    return c.isSampled() ? c.getTraceId() : null;
  }

  public final String spanId() {
    return span.getSpanContext().getSpanId();
  }
}
