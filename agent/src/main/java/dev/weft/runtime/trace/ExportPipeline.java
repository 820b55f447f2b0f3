package dev.weft.runtime.trace;

import dev.weft.runtime.core.AgentErrors;
import dev.weft.runtime.core.WeftLog;
import dev.weft.runtime.core.config.TracingSettings;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Ended, sampled spans go into a bounded queue; one daemon thread sends them in batches. Nothing
 * here ever blocks the application: a full queue drops the span (counted), a failed or slow export
 * drops its batch (counted, and logged once until exports succeed again). Memory is bounded by
 * the queue size whatever the backend does.
 *
 * <p>The SDK's own batch processor reports its drops only to an OpenTelemetry meter; Weft needs
 * them exact in its Prometheus registry, hence this small processor.
 */
final class ExportPipeline implements SpanProcessor {

  private final java.util.function.Supplier<SpanExporter> exporterFactory;
  private SpanExporter exporter; // built by the worker on the first export
  private final ArrayBlockingQueue<ReadableSpan> queue;
  private final int batchSize;
  private final long delayNanos;
  private final long exportTimeoutMillis;
  private final DroppedSpans dropped;
  private final AgentErrors errors;
  private final String target;
  private final Thread worker;
  private final AtomicBoolean failing = new AtomicBoolean();
  private volatile boolean shutdown;

  /**
   * @param exporterFactory builds the exporter on the worker thread when the first batch is
   *     ready, not at start-up: exporters initialise java.util.logging, which an application (or
   *     its server, e.g. one that sets java.util.logging.manager) must be free to set up first
   */
  ExportPipeline(
      java.util.function.Supplier<SpanExporter> exporterFactory,
      TracingSettings settings,
      DroppedSpans dropped,
      AgentErrors errors) {
    this.exporterFactory = exporterFactory;
    this.queue = new ArrayBlockingQueue<>(settings.maxQueueSize);
    this.batchSize = settings.maxExportBatchSize;
    this.delayNanos = TimeUnit.MILLISECONDS.toNanos(Math.max(1, settings.scheduleDelayMillis));
    this.exportTimeoutMillis = settings.exportTimeoutMillis;
    this.dropped = dropped;
    this.errors = errors;
    this.target =
        settings.exporter.equals("zipkin")
            ? settings.zipkinEndpoint
            : settings.otlpEndpoint + " (" + settings.otlpProtocol + ")";
    this.worker = new Thread(this::run, "weft-span-export");
    worker.setDaemon(true);
    worker.start();
  }

  @Override
  public void onStart(Context parentContext, ReadWriteSpan span) {}

  @Override
  public boolean isStartRequired() {
    return false;
  }

  @Override
  public void onEnd(ReadableSpan span) {
    if (!span.getSpanContext().isSampled()) {
      return;
    }
    if (shutdown || !queue.offer(span)) {
      dropped.dropped("queue_full", 1);
    }
  }

  @Override
  public boolean isEndRequired() {
    return true;
  }

  private void run() {
    List<SpanData> batch = new ArrayList<>(batchSize);
    long deadline = System.nanoTime() + delayNanos;
    while (!shutdown || !queue.isEmpty()) {
      try {
        long wait = deadline - System.nanoTime();
        ReadableSpan span =
            wait > 0 && !shutdown ? queue.poll(wait, TimeUnit.NANOSECONDS) : queue.poll();
        if (span != null) {
          batch.add(span.toSpanData());
        }
        if (batch.size() >= batchSize || System.nanoTime() - deadline >= 0 || shutdown) {
          if (!batch.isEmpty()) {
            export(batch);
            batch = new ArrayList<>(batchSize);
          }
          deadline = System.nanoTime() + delayNanos;
        }
      } catch (InterruptedException e) {
        // shutdown() interrupts the wait; the loop drains what is queued, then ends.
      } catch (Throwable t) {
        errors.internalFailure("tracing", "exporting spans", t);
      }
    }
    if (!batch.isEmpty()) {
      export(batch);
    }
  }

  private void export(List<SpanData> batch) {
    boolean ok;
    String why = null;
    // Weft's own export traffic is never instrumented: whatever client the exporter uses, it
    // runs under a context that the client modules recognise.
    try (Scope ignored = Context.current().with(Tracing.SUPPRESS, Boolean.TRUE).makeCurrent()) {
      if (exporter == null) {
        exporter = exporterFactory.get();
      }
      CompletableResultCode result = exporter.export(batch);
      result.join(exportTimeoutMillis, TimeUnit.MILLISECONDS);
      ok = result.isDone() && result.isSuccess();
      if (!result.isDone()) {
        why = "no answer within " + exportTimeoutMillis + " ms";
      } else if (!ok && result.getFailureThrowable() != null) {
        why = String.valueOf(result.getFailureThrowable());
      }
    } catch (Throwable t) {
      ok = false;
      why = t.toString();
    }
    if (!ok && shutdown && why != null && why.startsWith("no answer")) {
      return; // the JVM is exiting and stopped waiting; the export may well have gone through
    }
    if (ok) {
      if (failing.compareAndSet(true, false)) {
        WeftLog.info("span export to " + target + " works again");
      }
      return;
    }
    dropped.dropped("export_failed", batch.size());
    if (failing.compareAndSet(false, true)) {
      WeftLog.warn(
          "span export to "
              + target
              + " failed"
              + (why == null ? "" : " (" + why + ")")
              + "; its spans are dropped and counted in weft_spans_dropped_total, the"
              + " application is not affected; logged once until an export succeeds");
    }
  }

  @Override
  public CompletableResultCode shutdown() {
    shutdown = true;
    worker.interrupt();
    try {
      worker.join(TimeUnit.MILLISECONDS.toMillis(exportTimeoutMillis) + 1000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    SpanExporter e = exporter;
    return e == null ? CompletableResultCode.ofSuccess() : e.shutdown();
  }

  @Override
  public CompletableResultCode forceFlush() {
    return CompletableResultCode.ofSuccess();
  }
}
