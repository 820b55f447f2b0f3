package dev.weft.instrumentation.jul;

import dev.weft.bootstrap.LogRecorder;
import dev.weft.bootstrap.WeftBridge;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.IllegalFormatException;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.SimpleFormatter;

/**
 * What {@code SimpleFormatter.format} returns with Weft: a JSON line when
 * {@code weft.logs.format=json}, else the formatter's own format with the trace id, span id and
 * trace flags as arguments 7, 8 and 9 ({@code %7$s}) when the format names them. JUL formats a
 * record on the thread that logs it, so the current span is the record's.
 *
 * <p>A helper of the jul module; it names only JDK types and the bridge, so Weft defines it once
 * in the bootstrap loader, next to {@code SimpleFormatter}.
 */
public final class SimpleFormatterLines {

  private static final String MODULE = "jul";

  static final String FORMAT_PROPERTY = "java.util.logging.SimpleFormatter.format";

  /** The formatter's format string last seen, and the format Weft uses for it (or null). */
  private static volatile String[] cache = {null, null};

  private SimpleFormatterLines() {}

  /**
   * The text for {@code record}, or null to let SimpleFormatter do its own work: when Weft is not
   * running, when the format names no id, or when anything here fails (counted for the module).
   *
   * @param format the formatter's {@code format} field
   */
  public static String format(SimpleFormatter formatter, LogRecord record, String format) {
    try {
      LogRecorder logs = WeftBridge.logs();
      if (logs == LogRecorder.NOOP) {
        return null;
      }
      if (logs.json()) {
        return logs.asciiJsonLine(
            record.getMillis(),
            level(record.getLevel()),
            record.getLoggerName(),
            Thread.currentThread().getName(),
            formatter.formatMessage(record),
            logs.withIds(null),
            record.getThrown());
      }
      String effective = effectiveFormat(format);
      if (effective == null) {
        return null;
      }
      return simpleFormat(formatter, record, effective, logs.currentIds());
    } catch (Throwable t) {
      WeftBridge.adviceFailed(t, MODULE);
      return null;
    }
  }

  /**
   * The format to use for a formatter whose {@code format} field is {@code field}, or null when
   * it names no id. SimpleFormatter checks the configured format with its six arguments and, as
   * {@code %7$s} is missing there, falls back to its default: so the configured text is read
   * again here (logging.properties first, then the system property) and used when it names an id
   * and is valid with nine arguments.
   */
  private static String effectiveFormat(String field) {
    String[] c = cache;
    if (c[0] == field && field != null) {
      return c[1];
    }
    String effective = null;
    String configured = LogManager.getLogManager().getProperty(FORMAT_PROPERTY);
    if (configured == null) {
      configured = System.getProperty(FORMAT_PROPERTY);
    }
    if (configured != null && namesIds(configured) && valid(configured)) {
      effective = configured;
    } else if (field != null && namesIds(field)) {
      effective = field;
    }
    cache = new String[] {field, effective};
    return effective;
  }

  private static boolean valid(String format) {
    try {
      String.format(format, ZonedDateTime.now(), "", "", "", "", "", "", "", "");
      return true;
    } catch (IllegalFormatException e) {
      return false;
    }
  }

  /** Does the format use argument 7, 8 or 9? */
  private static boolean namesIds(String format) {
    return format.contains("%7$") || format.contains("%8$") || format.contains("%9$");
  }

  /** What SimpleFormatter returns, with three more arguments (empty outside a span). */
  private static String simpleFormat(
      SimpleFormatter f, LogRecord r, String format, String[] ids) {
    ZonedDateTime time = ZonedDateTime.ofInstant(r.getInstant(), ZoneId.systemDefault());
    String source;
    if (r.getSourceClassName() != null) {
      source = r.getSourceClassName();
      if (r.getSourceMethodName() != null) {
        source += " " + r.getSourceMethodName();
      }
    } else {
      source = r.getLoggerName();
    }
    String message = f.formatMessage(r);
    String throwable = "";
    if (r.getThrown() != null) {
      StringWriter sw = new StringWriter();
      try (PrintWriter pw = new PrintWriter(sw)) {
        pw.println();
        r.getThrown().printStackTrace(pw);
      }
      throwable = sw.toString();
    }
    try {
      return String.format(
          format,
          time,
          source,
          r.getLoggerName(),
          r.getLevel().getLocalizedName(),
          message,
          throwable,
          ids == null ? "" : ids[1],
          ids == null ? "" : ids[3],
          ids == null ? "" : ids[5]);
    } catch (IllegalFormatException e) {
      return null;
    }
  }

  /** JUL's levels under the names log tools expect. */
  private static String level(Level level) {
    if (level == null) {
      return "INFO";
    }
    int v = level.intValue();
    if (v >= Level.SEVERE.intValue()) {
      return "ERROR";
    }
    if (v >= Level.WARNING.intValue()) {
      return "WARN";
    }
    if (v >= Level.INFO.intValue()) {
      return "INFO";
    }
    if (v >= Level.FINE.intValue()) {
      return "DEBUG";
    }
    return "TRACE";
  }
}
