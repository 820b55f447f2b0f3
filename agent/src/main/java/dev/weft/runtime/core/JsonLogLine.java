package dev.weft.runtime.core;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.util.Map;

/**
 * One log event as one line of JSON: {@code timestamp} (ISO-8601, UTC, milliseconds),
 * {@code level}, {@code service}, {@code logger}, {@code thread}, {@code message}, the trace ids
 * when the event has them, {@code context} (the rest of the MDC) and {@code exception}. Jackson
 * escapes every quote, backslash and control character, so a message never breaks the line.
 */
public final class JsonLogLine {

  private static final JsonFactory JSON = new JsonFactory();

  private final String service;
  private final String traceKey;
  private final String spanKey;
  private final String flagsKey;

  public JsonLogLine(String service, String traceKey, String spanKey, String flagsKey) {
    this.service = service;
    this.traceKey = traceKey;
    this.spanKey = spanKey;
    this.flagsKey = flagsKey;
  }

  /** UTF-8 bytes of the line, ending with a newline. */
  public byte[] utf8(
      long epochMillis,
      String level,
      String logger,
      String thread,
      String message,
      Map<String, String> context,
      Throwable thrown)
      throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    try {
      try (JsonGenerator g = JSON.createGenerator(out)) {
        write(g, epochMillis, level, logger, thread, message, context, thrown, false);
      }
    } catch (IOException malformed) {
      // A lone surrogate (a string cut in the middle of a character) is not UTF-8: write the
      // event again with such characters replaced by U+FFFD.
      out.reset();
      try (JsonGenerator g = JSON.createGenerator(out)) {
        write(g, epochMillis, level, logger, thread, message, context, thrown, true);
      }
    }
    out.write('\n');
    return out.toByteArray();
  }

  /**
   * The line as text, ending with {@code lineSeparator}; characters outside ASCII are escaped
   * ({@code \\u00e9}), so the line survives any console encoding.
   */
  public String ascii(
      long epochMillis,
      String level,
      String logger,
      String thread,
      String message,
      Map<String, String> context,
      Throwable thrown,
      String lineSeparator)
      throws IOException {
    StringWriter out = new StringWriter(256);
    try (JsonGenerator g = JSON.createGenerator((Writer) out)) {
      g.enable(JsonGenerator.Feature.ESCAPE_NON_ASCII);
      write(g, epochMillis, level, logger, thread, message, context, thrown, true);
    }
    out.write(lineSeparator);
    return out.toString();
  }

  private void write(
      JsonGenerator g,
      long epochMillis,
      String level,
      String logger,
      String thread,
      String message,
      Map<String, String> context,
      Throwable thrown,
      boolean clean)
      throws IOException {
    g.writeStartObject();
    g.writeStringField("timestamp", timestamp(epochMillis));
    g.writeStringField("level", level);
    g.writeStringField("service", service);
    string(g, "logger", logger, clean);
    string(g, "thread", thread, clean);
    string(g, "message", message, clean);
    if (context != null) {
      String trace = context.get(traceKey);
      if (trace != null) {
        string(g, "trace_id", trace, clean);
        string(g, "span_id", context.get(spanKey), clean);
        string(g, "trace_flags", context.get(flagsKey), clean);
      }
    }
    g.writeObjectFieldStart("context");
    if (context != null) {
      for (Map.Entry<String, String> e : context.entrySet()) {
        String key = e.getKey();
        if (key == null || key.equals(traceKey) || key.equals(spanKey) || key.equals(flagsKey)) {
          continue;
        }
        g.writeFieldName(clean ? clean(key) : key);
        value(g, e.getValue(), clean);
      }
    }
    g.writeEndObject();
    if (thrown != null) {
      g.writeObjectFieldStart("exception");
      g.writeStringField("class", thrown.getClass().getName());
      string(g, "message", thrown.getMessage(), clean);
      StringWriter trace = new StringWriter(1024);
      try (PrintWriter p = new PrintWriter(trace)) {
        thrown.printStackTrace(p);
      }
      string(g, "stack_trace", trace.toString(), clean);
      g.writeEndObject();
    }
    g.writeEndObject();
  }

  private static void string(JsonGenerator g, String name, String value, boolean clean)
      throws IOException {
    g.writeFieldName(name);
    value(g, value, clean);
  }

  private static void value(JsonGenerator g, String value, boolean clean) throws IOException {
    if (value == null) {
      g.writeNull();
    } else {
      g.writeString(clean ? clean(value) : value);
    }
  }

  /** {@code s} with every unpaired surrogate replaced by U+FFFD. */
  static String clean(String s) {
    StringBuilder out = null;
    int n = s.length();
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      boolean bad = false;
      if (Character.isHighSurrogate(c)) {
        if (i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
          if (out != null) {
            out.append(c).append(s.charAt(i + 1));
          }
          i++;
          continue;
        }
        bad = true;
      } else if (Character.isLowSurrogate(c)) {
        bad = true;
      }
      if (bad && out == null) {
        out = new StringBuilder(n).append(s, 0, i);
      }
      if (out != null) {
        out.append(bad ? '\uFFFD' : c);
      }
    }
    return out == null ? s : out.toString();
  }

  /** {@code 2026-11-28T14:35:02.123Z}: always three digits of milliseconds. */
  static String timestamp(long epochMillis) {
    long seconds = Math.floorDiv(epochMillis, 1000L);
    int millis = (int) Math.floorMod(epochMillis, 1000L);
    long days = Math.floorDiv(seconds, 86_400L);
    int secondOfDay = (int) Math.floorMod(seconds, 86_400L);
    java.time.LocalDate date = java.time.LocalDate.ofEpochDay(days);
    int year = date.getYear();
    if (year < 0 || year > 9999) {
      return java.time.Instant.ofEpochMilli(epochMillis).toString();
    }
    char[] c = new char[24];
    digits(c, 0, year, 4);
    c[4] = '-';
    digits(c, 5, date.getMonthValue(), 2);
    c[7] = '-';
    digits(c, 8, date.getDayOfMonth(), 2);
    c[10] = 'T';
    digits(c, 11, secondOfDay / 3600, 2);
    c[13] = ':';
    digits(c, 14, secondOfDay / 60 % 60, 2);
    c[16] = ':';
    digits(c, 17, secondOfDay % 60, 2);
    c[19] = '.';
    digits(c, 20, millis, 3);
    c[23] = 'Z';
    return new String(c);
  }

  private static void digits(char[] c, int at, int value, int width) {
    for (int i = at + width - 1; i >= at; i--) {
      c[i] = (char) ('0' + value % 10);
      value /= 10;
    }
  }
}
