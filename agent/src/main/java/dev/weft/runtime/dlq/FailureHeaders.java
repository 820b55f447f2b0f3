package dev.weft.runtime.dlq;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The headers a dead letter carries after the original record's own: those Spring Kafka's
 * dead-letter tooling reads ({@code kafka_dlt-*}), with Spring's encodings and rules, and the
 * W3C {@code traceparent} of the failing processing span.
 */
public final class FailureHeaders {

  static final String ORIGINAL_TOPIC = "kafka_dlt-original-topic";
  private static final int STACK_TRACE_LIMIT = 16 * 1024;

  private FailureHeaders() {}

  /** The headers Spring Kafka's dead-letter tooling reads, with the same encodings. */
  public static void add(
      RecordAccess.Fields r,
      String group,
      Throwable error,
      String traceparent,
      List<String> keys,
      List<byte[]> values) {
    header(keys, values, ORIGINAL_TOPIC, utf8(r.topic));
    header(keys, values, "kafka_dlt-original-partition", ByteBuffer.allocate(4).putInt(r.partition).array());
    header(keys, values, "kafka_dlt-original-offset", ByteBuffer.allocate(8).putLong(r.offset).array());
    header(keys, values, "kafka_dlt-original-timestamp", ByteBuffer.allocate(8).putLong(r.timestamp).array());
    header(keys, values, "kafka_dlt-original-timestamp-type", utf8(r.timestampType));
    header(keys, values, "kafka_dlt-original-consumer-group", utf8(group));
    header(keys, values, "kafka_dlt-exception-fqcn", utf8(error.getClass().getName()));
    // As Spring Kafka's DeadLetterPublishingRecoverer: the root cause's class, and the message
    // of the exception followed by the root cause's.
    Throwable root = rootCause(error);
    if (root != error) {
      header(keys, values, "kafka_dlt-exception-cause-fqcn", utf8(root.getClass().getName()));
    }
    String message = error.getMessage();
    if (root != error) {
      if (message != null) {
        message = message + ";";
      }
      String rootMessage = root.getMessage();
      if (rootMessage != null) {
        message = message == null ? rootMessage : message + rootMessage;
      }
    }
    if (message != null) {
      header(keys, values, "kafka_dlt-exception-message", utf8(message));
    }
    header(keys, values, "kafka_dlt-exception-stacktrace", utf8(stackTrace(error)));
    if (traceparent != null) {
      header(keys, values, "traceparent", traceparent.getBytes(StandardCharsets.US_ASCII));
    }
  }

  static Throwable rootCause(Throwable error) {
    Throwable root = error;
    for (int i = 0; i < 32 && root.getCause() != null && root.getCause() != root; i++) {
      root = root.getCause();
    }
    return root;
  }

  private static void header(List<String> keys, List<byte[]> values, String key, byte[] value) {
    keys.add(key);
    values.add(value);
  }

  private static byte[] utf8(String s) {
    return s == null ? new byte[0] : s.getBytes(StandardCharsets.UTF_8);
  }

  static String stackTrace(Throwable error) {
    StringWriter out = new StringWriter();
    try (PrintWriter w = new PrintWriter(out)) {
      error.printStackTrace(w);
    } catch (RuntimeException e) {
      return error.toString();
    }
    String s = out.toString();
    if (s.length() > STACK_TRACE_LIMIT) {
      // Never between the two halves of a surrogate pair: UTF-8 would carry a '?' there.
      int cut = Character.isHighSurrogate(s.charAt(STACK_TRACE_LIMIT - 1))
          ? STACK_TRACE_LIMIT - 1
          : STACK_TRACE_LIMIT;
      s = s.substring(0, cut) + "\n\t... (cut by Weft at " + STACK_TRACE_LIMIT + " characters)";
    }
    return s;
  }
}
