package dev.weft.runtime.kafka;

import static dev.weft.runtime.kafka.KafkaClients.MODULE;
import static dev.weft.runtime.kafka.KafkaClients.SYSTEM;

import dev.weft.runtime.core.AgentErrors;
import dev.weft.runtime.metrics.KafkaMetrics;
import dev.weft.runtime.metrics.OutcomeSeries;
import dev.weft.runtime.trace.MessagingSpan;
import dev.weft.runtime.trace.Tracing;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.function.BooleanSupplier;

/**
 * The producer side of {@link KafkaClients}: each {@code send} is timed from the call to Kafka's
 * acknowledgement or error, which the module's own {@code Callback} reports before it calls the
 * application's; a send that throws ends there. The PRODUCER span's W3C headers go into
 * the record.
 */
final class KafkaSends {

  private final KafkaMetrics metrics; // null when metrics are off
  private final Tracing tracing;
  private final AgentErrors errors;
  private final BooleanSupplier off;

  KafkaSends(KafkaMetrics metrics, Tracing tracing, AgentErrors errors, BooleanSupplier off) {
    this.metrics = metrics;
    this.tracing = tracing;
    this.errors = errors;
    this.off = off;
  }

  Object started(String topic) {
    try {
      if (off.getAsBoolean() || topic == null) {
        return null;
      }
      Send send = new Send();
      send.series = metrics == null ? null : metrics.producer(topic);
      send.span = tracing.startProducer(SYSTEM, topic);
      send.startNanos = System.nanoTime();
      return send;
    } catch (Throwable t) {
      errors.internalFailure(MODULE, "recording a send", t);
      return null;
    }
  }

  String[] headersToInject(Object send) {
    try {
      MessagingSpan span = send instanceof Send ? ((Send) send).span : null;
      return span == null ? null : span.headers();
    } catch (Throwable t) {
      errors.internalFailure(MODULE, "writing trace headers", t);
      return null;
    }
  }

  /** Acknowledged ({@code error} null), failed by Kafka, or thrown by {@code send}. */
  void ended(Object send, Throwable error) {
    try {
      if (send instanceof Send) {
        finish((Send) send, error);
      }
    } catch (Throwable t) {
      errors.internalFailure(MODULE, "recording the end of a send", t);
    }
  }

  void finish(Send send, Throwable error) {
    if (!Send.ENDED.compareAndSet(send, 0, 1)) {
      return;
    }
    double seconds = (System.nanoTime() - send.startNanos) / 1e9;
    if (send.span != null) {
      send.span.end(error);
    }
    if (send.series != null) {
      send.series.record(seconds, error, send.span);
    }
  }

  /** One record between {@code send} and its acknowledgement or failure. */
  static final class Send {
    static final AtomicIntegerFieldUpdater<Send> ENDED =
        AtomicIntegerFieldUpdater.newUpdater(Send.class, "ended");

    OutcomeSeries series;
    MessagingSpan span;
    long startNanos;
    volatile int ended;
  }
}
