package dev.weft.runtime.core;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Weft's own log: one line per event on standard error, each starting with {@code [weft] } so an
 * operator can grep it out of the application's output. Weft never touches the application's
 * logging framework for its own messages.
 */
public final class WeftLog {

  private static volatile boolean debug;
  private static volatile JsonLogLine json;
  private static final Set<String> loggedOnce = ConcurrentHashMap.newKeySet();

  private WeftLog() {}

  public static void setDebug(boolean enabled) {
    debug = enabled;
  }

  /**
   * With {@code weft.logs.format=json}, Weft's own lines are JSON too (logger {@code weft}), so
   * that every line of the service's output parses.
   */
  public static void setJson(JsonLogLine lines) {
    json = lines;
  }

  public static boolean isDebug() {
    return debug;
  }

  public static void debug(String message) {
    if (debug) {
      write("DEBUG", message, null);
    }
  }

  public static void info(String message) {
    write("INFO", message, null);
  }

  public static void warn(String message) {
    write("WARN", message, null);
  }

  public static void error(String message) {
    write("ERROR", message, null);
  }

  public static void error(String message, Throwable failure) {
    write("ERROR", message, failure);
  }

  /** Logs the message the first time {@code key} is seen, and never again in this JVM. */
  public static boolean errorOnce(String key, String message, Throwable failure) {
    if (!loggedOnce.add(key)) {
      return false;
    }
    write("ERROR", message, failure);
    return true;
  }

  private static void write(String level, String message, Throwable failure) {
    JsonLogLine lines = json;
    if (lines != null) {
      try {
        print(
            lines.ascii(
                System.currentTimeMillis(),
                level,
                "weft",
                Thread.currentThread().getName(),
                message,
                null,
                failure,
                ""));
        return;
      } catch (Throwable ignored) {
        // falls back to the plain line
      }
    }
    StringBuilder line = new StringBuilder(128).append("[weft] ").append(level).append(' ');
    line.append(message);
    if (failure != null) {
      appendStackTrace(line, failure);
    }
    print(line);
  }

  private static void print(CharSequence line) {
    // One println of the whole line: the stream keeps it whole with its own lock. No monitor of
    // Weft's is held across the write, which blocks (on JDK 21 to 23 a virtual thread would pin
    // its carrier for as long as stderr takes).
    System.err.println(line);
  }

  /** Stack frames only, each on a line that starts with a tab, so the first line stays unique. */
  private static void appendStackTrace(StringBuilder out, Throwable failure) {
    Throwable current = failure;
    int depth = 0;
    while (current != null && depth < 5) {
      if (current != failure) {
        out.append(System.lineSeparator()).append("\tCaused by: ").append(current);
      }
      StackTraceElement[] frames = current.getStackTrace();
      int shown = Math.min(frames.length, 12);
      for (int i = 0; i < shown; i++) {
        out.append(System.lineSeparator()).append("\tat ").append(frames[i]);
      }
      if (frames.length > shown) {
        out.append(System.lineSeparator())
            .append("\t... ")
            .append(frames.length - shown)
            .append(" more");
      }
      current = current.getCause() == current ? null : current.getCause();
      depth++;
    }
  }
}
