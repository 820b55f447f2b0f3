package dev.weft.runtime.log;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.IllegalFormatException;
import java.util.logging.Formatter;
import java.util.logging.Level;
import java.util.logging.LogRecord;

/**
 * {@code java.util.logging.SimpleFormatter} with the trace ids: as a JSON line when
 * {@code weft.logs.format=json}, else its own format with the trace id, span id and trace flags
 * as arguments 7, 8 and 9 ({@code %7$s}), when the format names them. JUL formats a record on
 * the thread that logs it, so the current span is the record's.
 */
final class JulLines {

  private JulLines() {}

  /** The formatter's text for the record, or null to let SimpleFormatter do its own work. */
  static String format(LogEnricher logs, Object formatter, Object record, String format)
      throws java.io.IOException {
    if (!(formatter instanceof Formatter) || !(record instanceof LogRecord)) {
      return null;
    }
    Formatter f = (Formatter) formatter;
    LogRecord r = (LogRecord) record;
    if (logs.json()) {
      return logs.lineWriter()
          .ascii(
              r.getMillis(),
              level(r.getLevel()),
              r.getLoggerName(),
              Thread.currentThread().getName(),
              f.formatMessage(r),
              logs.withIds(null),
              r.getThrown(),
              System.lineSeparator());
    }
    String effective = effectiveFormat(format);
    if (effective == null) {
      return null;
    }
    return simpleFormat(f, r, effective, logs.currentIds());
  }

  static final String FORMAT_PROPERTY = "java.util.logging.SimpleFormatter.format";

  /** The formatter's format string last seen, and the format Weft uses for it (or null). */
  private static volatile String[] cache = {null, null};

  /**
   * The format to use for a formatter whose {@code format} field is {@code field}, or null when
   * it names no id. SimpleFormatter checks the configured format with its six arguments and, as
   * {@code %7$s} is missing there, falls back to its default: so the configured text is read
   * again here (logging.properties first, then the system property, as SimpleFormatter does) and
   * used when it names an id and is valid with nine arguments.
   */
  static String effectiveFormat(String field) {
    String[] c = cache;
    if (c[0] == field && field != null) {
      return c[1];
    }
    String effective = null;
    String configured = java.util.logging.LogManager.getLogManager().getProperty(FORMAT_PROPERTY);
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
  static boolean namesIds(String format) {
    return format.contains("%7$") || format.contains("%8$") || format.contains("%9$");
  }

  /** What SimpleFormatter returns, with three more arguments (empty outside a span). */
  static String simpleFormat(Formatter f, LogRecord r, String format, String[] ids) {
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
  static String level(Level level) {
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
