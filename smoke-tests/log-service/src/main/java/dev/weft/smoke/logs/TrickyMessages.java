package dev.weft.smoke.logs;

import java.io.IOException;
import java.util.List;

/**
 * What {@code GET /tricky} logs: messages that a log encoder gets wrong first (quotes,
 * backslashes, line breaks, control characters, non-ASCII, text that looks like JSON or like a
 * format string, 100 KB in one message), then two errors with exceptions. The smoke test keeps
 * its own copy of these strings and expects each back exactly.
 */
public final class TrickyMessages {

  /** 100 KB and a bit: longer than any buffer an encoder would size for one line. */
  public static final String LONG = "long message: " + "0123456789abcdef".repeat(6400) + " end";

  /** Logged at INFO, one event each, in this order. */
  public static final List<String> MESSAGES =
      List.of(
          "double \"quotes\" and 'single' ones, \"\" empty",
          "back\\slash, C:\\temp\\new, \\u0041 not an escape, and a trailing \\",
          "line one\nline two\r\nline three\rline four",
          "tab\there\tand\tthere",
          "controls: nul \u0000 soh \u0001 bs \b ff \f esc \u001b[31mred\u001b[0m us \u001f del \u007f end",
          "non-ASCII: caf\u00e9 \u00e9, \u65e5\u672c\u8a9e, emoji \ud83d\ude00, separators \u2028 \u2029 end",
          "looks like JSON: {\"trace_id\":\"0af7651916cd43dd8448eb211c80319c\",\"level\":\"ERROR\"}",
          "format specifiers: %s %d %n %1$s {} {0} ${java:version}",
          "  leading and trailing spaces  ",
          LONG);

  /** The message of the ERROR event that carries {@link #failure()}. */
  public static final String FAILURE_EVENT = "tricky request failed";

  /** The message of the ERROR event whose exception has no message. */
  public static final String NO_MESSAGE_EVENT = "tricky request failed without a message";

  private TrickyMessages() {}

  /** {@code IllegalStateException("order failed")} caused by an IOException with a quote and a line break. */
  public static Exception failure() {
    return new IllegalStateException("order failed", new IOException("disk \"full\"\nretry"));
  }

  /** An exception whose {@code getMessage()} is null. */
  public static Exception failureWithoutMessage() {
    return new UnsupportedOperationException();
  }
}
