package dev.weft.runtime.log;

import dev.weft.bootstrap.LogRecorder;
import dev.weft.runtime.core.AgentErrors;
import dev.weft.runtime.core.JsonLogLine;
import dev.weft.runtime.core.config.LogSettings;
import dev.weft.runtime.trace.Tracing;
import io.opentelemetry.api.trace.SpanContext;
import java.util.HashMap;
import java.util.Map;

/**
 * Answers the log advice of the logback, log4j2 and jul modules: the ids of the span current on
 * the logging thread (read from the context when the event is created, never stored in the
 * thread's MDC, so a pooled thread cannot keep them), and the JSON line of an event when
 * {@code weft.logs.format=json}. It knows no logging framework: the modules read their own
 * types and hand over plain values.
 */
public final class LogEnricher extends LogRecorder {

  private static final String MODULE = "logs";

  private final Tracing tracing;
  private final LogSettings settings;
  private final JsonLogLine json;
  private final AgentErrors errors;
  private final String lineSeparator = System.lineSeparator();

  /** Per thread: the span context last seen and its ids, so a span's lines share one array. */
  private final ThreadLocal<Ids> last = ThreadLocal.withInitial(Ids::new);

  private static final class Ids {
    SpanContext context;
    String[] ids;
  }

  public LogEnricher(Tracing tracing, LogSettings settings, String service, AgentErrors errors) {
    this.tracing = tracing;
    this.settings = settings;
    this.json =
        new JsonLogLine(service, settings.traceIdKey, settings.spanIdKey, settings.traceFlagsKey);
    this.errors = errors;
  }

  @Override
  public String[] currentIds() {
    SpanContext context = tracing.currentSpanContext();
    if (context == null) {
      return null;
    }
    Ids cached = last.get();
    if (cached.context != context) {
      cached.ids =
          new String[] {
            settings.traceIdKey, context.getTraceId(),
            settings.spanIdKey, context.getSpanId(),
            settings.traceFlagsKey, context.getTraceFlags().asHex()
          };
      cached.context = context;
    }
    return cached.ids;
  }

  @Override
  public Map<String, String> withIds(Map<String, String> context) {
    String[] ids = currentIds();
    if (ids == null) {
      return context;
    }
    Map<String, String> out = new HashMap<>(context == null ? 8 : (context.size() + 3) * 2);
    for (int i = 0; i < 6; i += 2) {
      out.put(ids[i], ids[i + 1]);
    }
    if (context != null) {
      // The application's own entries win over Weft's.
      out.putAll(context);
    }
    return out;
  }

  @Override
  public boolean json() {
    return settings.json;
  }

  @Override
  public byte[] jsonLine(
      long epochMillis,
      String level,
      String logger,
      String thread,
      String message,
      Map<String, String> context,
      Throwable thrown) {
    try {
      return json.utf8(epochMillis, level, logger, thread, message, context, thrown);
    } catch (Throwable t) {
      errors.internalFailure(MODULE, "writing a log event as JSON", t);
      return null;
    }
  }

  @Override
  public String asciiJsonLine(
      long epochMillis,
      String level,
      String logger,
      String thread,
      String message,
      Map<String, String> context,
      Throwable thrown) {
    try {
      return json.ascii(
          epochMillis, level, logger, thread, message, context, thrown, lineSeparator);
    } catch (Throwable t) {
      errors.internalFailure(MODULE, "writing a log event as JSON", t);
      return null;
    }
  }
}
