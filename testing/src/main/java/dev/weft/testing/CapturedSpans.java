package dev.weft.testing;

import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.util.ArrayList;
import java.util.List;

/** Every span Weft ends, kept in memory in the order they ended. */
final class CapturedSpans implements SpanProcessor {

  private final List<SpanData> spans = new ArrayList<>();

  @Override
  public void onStart(Context parentContext, ReadWriteSpan span) {}

  @Override
  public boolean isStartRequired() {
    return false;
  }

  @Override
  public synchronized void onEnd(ReadableSpan span) {
    if (span.getSpanContext().isSampled()) {
      spans.add(span.toSpanData());
      notifyAll();
    }
  }

  @Override
  public boolean isEndRequired() {
    return true;
  }

  synchronized List<SpanData> all() {
    return new ArrayList<>(spans);
  }

  synchronized void clear() {
    spans.clear();
  }

  /** Waits until at least {@code count} spans have ended, or the time is up. */
  synchronized List<SpanData> await(int count, long timeoutMillis) throws InterruptedException {
    long deadline = System.currentTimeMillis() + timeoutMillis;
    while (spans.size() < count) {
      long left = deadline - System.currentTimeMillis();
      if (left <= 0) {
        break;
      }
      wait(left);
    }
    return new ArrayList<>(spans);
  }

}
