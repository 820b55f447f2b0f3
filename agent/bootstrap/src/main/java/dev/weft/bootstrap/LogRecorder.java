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
        public String asciiJsonLine(
            long epochMillis,
            String level,
            String logger,
            String thread,
            String message,
            Map<String, String> context,
            Throwable thrown) {
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
   * The same line as {@link #jsonLine} as text, for a formatter that returns a string its handler
   * encodes in a charset Weft does not know: every character outside ASCII is escaped ({@code
   * \\u00E9}), and the line ends with {@code System.lineSeparator()}. Null if it cannot be written.
   */
  public abstract String asciiJsonLine(
      long epochMillis,
      String level,
      String logger,
      String thread,
      String message,
      Map<String, String> context,
      Throwable thrown);
}
