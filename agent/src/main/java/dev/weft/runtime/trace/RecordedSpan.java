package dev.weft.runtime.trace;

import dev.weft.runtime.metrics.ExemplarSource;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;

/** What every span Weft starts answers for exemplars: its trace id if sampled, its span id. */
public abstract class RecordedSpan implements ExemplarSource {

  final Span span;

  RecordedSpan(Span span) {
    this.span = span;
  }

  @Override
  public final String sampledTraceId() {
    SpanContext c = span.getSpanContext();
    return c.isSampled() ? c.getTraceId() : null;
  }

  @Override
  public final String spanId() {
    return span.getSpanContext().getSpanId();
  }
}
