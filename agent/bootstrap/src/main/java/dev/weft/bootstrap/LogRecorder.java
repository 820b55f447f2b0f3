package dev.weft.bootstrap;

import java.util.Map;

/**
 * What log advice asks the agent: the ids of the span current on this thread, and, when
 * {@code weft.logs.format=json}, the JSON line of an event. The advice reads the logging
 * framework's own types and hands over plain JDK values; nothing here knows a framework.
 */
public abstract class LogRecorder {

  public static final LogRecorder NOOP =
      new LogRecorder() {
        @Override
        public String[] currentIds() {
          return null;
        }

        @Override
        public Map<String, String> withIds(Map<String, String> context) {
          return context;
        }

        @Override
        public boolean json() {
          return false;
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
          return null;
        }

        @Override
        public String julFormat(Object formatter, Object record, String format) {
          return null;
        }
      };

  /**
   * The ids of the valid span current on this thread as {@code {traceKey, traceId, spanKey,
   * spanId, flagsKey, flags}} (key names as configured), or null when there is none. The array is
   * shared: read it, never change it.
   */
  public abstract String[] currentIds();

  /**
   * {@code context} with the current span's ids added (a new map), or {@code context} itself when
   * no span is current. Keys the application already set are kept as they are.
   */
  public abstract Map<String, String> withIds(Map<String, String> context);

  /** True when console output is to be reformatted as JSON lines. */
  public abstract boolean json();

  /**
   * The event as one JSON line in UTF-8, ending with a newline; null if it cannot be written (the
   * caller then keeps the application's own output). {@code context} holds the event's MDC or
   * context data, Weft's id keys included; {@code thrown} may be null.
   */
  public abstract byte[] jsonLine(
      long epochMillis,
      String level,
      String logger,
      String thread,
      String message,
      Map<String, String> context,
      Throwable thrown);

  /**
   * The text {@code java.util.logging.SimpleFormatter} is to return for {@code record}, or null
   * to let it format the record itself: a JSON line when JSON output is on, otherwise the
   * formatter's {@code format} with the trace id, span id and flags as arguments 7 to 9 when the
   * format names them.
   */
  public abstract String julFormat(Object formatter, Object record, String format);
}
