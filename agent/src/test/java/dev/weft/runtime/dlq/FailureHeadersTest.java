package dev.weft.runtime.dlq;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

/** The failure headers a dead letter carries, as Spring Kafka's recoverer writes them. */
class FailureHeadersTest {

  private static final String TRACEPARENT =
      "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
  private static final int LIMIT = 16 * 1024;

  private final List<String> keys = new ArrayList<>();
  private final List<byte[]> values = new ArrayList<>();

  private static RecordAccess.Fields fields(
      String topic, int partition, long offset, long timestamp, TimestampType type) {
    ConsumerRecord<String, String> record =
        new ConsumerRecord<>(
            topic, partition, offset, timestamp, type, 1, 1, "k", "v", new RecordHeaders(),
            Optional.empty());
    RecordAccess.Fields f = RecordAccess.read(record);
    assertNotNull(f);
    return f;
  }

  private static RecordAccess.Fields orders() {
    return fields("orders", 258, 0x0102030405060708L, 0x0000018BCFE56800L, TimestampType.CREATE_TIME);
  }

  private byte[] value(String key) {
    int i = keys.indexOf(key);
    assertTrue(i >= 0, key + " missing from " + keys);
    assertEquals(i, keys.lastIndexOf(key), key + " twice");
    return values.get(i);
  }

  private String text(String key) {
    return new String(value(key), StandardCharsets.UTF_8);
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String printed(Throwable t) {
    StringWriter out = new StringWriter();
    try (PrintWriter w = new PrintWriter(out)) {
      t.printStackTrace(w);
    }
    return out.toString();
  }

  @Test
  void namesOrderAndEncodingsWithCauseAndTraceparent() {
    IOException root = new IOException("disk full");
    IllegalStateException error =
        new IllegalStateException("order 42 failed", new RuntimeException("wrapped", root));

    FailureHeaders.add(orders(), "billing", error, TRACEPARENT, keys, values);

    assertEquals(
        Arrays.asList(
            "kafka_dlt-original-topic",
            "kafka_dlt-original-partition",
            "kafka_dlt-original-offset",
            "kafka_dlt-original-timestamp",
            "kafka_dlt-original-timestamp-type",
            "kafka_dlt-original-consumer-group",
            "kafka_dlt-exception-fqcn",
            "kafka_dlt-exception-cause-fqcn",
            "kafka_dlt-exception-message",
            "kafka_dlt-exception-stacktrace",
            "traceparent"),
        keys);
    assertEquals(keys.size(), values.size());
    assertEquals(DeadLetters.ORIGINAL_TOPIC, keys.get(0));
    assertArrayEquals(utf8("orders"), value("kafka_dlt-original-topic"));
    assertArrayEquals(new byte[] {0, 0, 1, 2}, value("kafka_dlt-original-partition"));
    assertArrayEquals(
        new byte[] {1, 2, 3, 4, 5, 6, 7, 8}, value("kafka_dlt-original-offset"));
    assertArrayEquals(
        new byte[] {0, 0, 1, (byte) 0x8B, (byte) 0xCF, (byte) 0xE5, 0x68, 0},
        value("kafka_dlt-original-timestamp"));
    assertEquals("CreateTime", text("kafka_dlt-original-timestamp-type"));
    assertEquals("billing", text("kafka_dlt-original-consumer-group"));
    assertEquals("java.lang.IllegalStateException", text("kafka_dlt-exception-fqcn"));
    assertEquals("java.io.IOException", text("kafka_dlt-exception-cause-fqcn"));
    assertEquals("order 42 failed;disk full", text("kafka_dlt-exception-message"));
    assertEquals(printed(error), text("kafka_dlt-exception-stacktrace"));
    assertTrue(text("kafka_dlt-exception-stacktrace").contains("Caused by: java.io.IOException: disk full"));
    assertArrayEquals(TRACEPARENT.getBytes(StandardCharsets.US_ASCII), value("traceparent"));
  }

  @Test
  void withoutCauseThereIsNoCauseHeaderAndTheMessageIsTheExceptionsOwn() {
    FailureHeaders.add(orders(), "g", new IllegalArgumentException("bad id"), null, keys, values);

    assertFalse(keys.contains("kafka_dlt-exception-cause-fqcn"), keys.toString());
    assertFalse(keys.contains("traceparent"), keys.toString());
    assertEquals("bad id", text("kafka_dlt-exception-message"));
    assertEquals("java.lang.IllegalArgumentException", text("kafka_dlt-exception-fqcn"));
    assertEquals("kafka_dlt-exception-stacktrace", keys.get(keys.size() - 1));
  }

  @Test
  void messageOfTheRootCauseAloneWhenTheExceptionHasNone() {
    RuntimeException error = new RuntimeException((String) null, new IOException("disk full"));
    FailureHeaders.add(orders(), "g", error, null, keys, values);
    assertEquals("disk full", text("kafka_dlt-exception-message"));
    assertEquals("java.io.IOException", text("kafka_dlt-exception-cause-fqcn"));
  }

  @Test
  void aRootCauseWithoutMessageLeavesTheSeparatorAsSpringDoes() {
    // DeadLetterPublishingRecoverer.buildMessage: message + ";" whenever there is a cause, the
    // cause's message appended only when it has one.
    RuntimeException error = new RuntimeException("outer", new IOException());
    FailureHeaders.add(orders(), "g", error, null, keys, values);
    assertEquals("outer;", text("kafka_dlt-exception-message"));
  }

  @Test
  void noMessageHeaderWhenNeitherHasAMessage() {
    RuntimeException error = new RuntimeException((String) null, new IOException());
    FailureHeaders.add(orders(), "g", error, TRACEPARENT, keys, values);
    assertFalse(keys.contains("kafka_dlt-exception-message"), keys.toString());
    assertTrue(keys.contains("kafka_dlt-exception-cause-fqcn"));
    assertEquals("traceparent", keys.get(keys.size() - 1));

    keys.clear();
    values.clear();
    FailureHeaders.add(orders(), "g", new IllegalStateException(), null, keys, values);
    assertFalse(keys.contains("kafka_dlt-exception-message"), keys.toString());
    assertFalse(keys.contains("kafka_dlt-exception-cause-fqcn"), keys.toString());
  }

  @Test
  void stringsAreUtf8AndANullGroupOrTypeIsEmpty() {
    RecordAccess.Fields f =
        fields("orders", 0, 0, -1, TimestampType.NO_TIMESTAMP_TYPE);
    FailureHeaders.add(
        f, "grüppe-日本", new IllegalStateException("Bestellung ungültig – 注文"), null, keys, values);
    assertArrayEquals(utf8("grüppe-日本"), value("kafka_dlt-original-consumer-group"));
    assertArrayEquals(
        utf8("Bestellung ungültig – 注文"), value("kafka_dlt-exception-message"));
    assertEquals("NoTimestampType", text("kafka_dlt-original-timestamp-type"));
    assertArrayEquals(
        new byte[] {-1, -1, -1, -1, -1, -1, -1, -1}, value("kafka_dlt-original-timestamp"));
    assertArrayEquals(new byte[4], value("kafka_dlt-original-partition"));

    keys.clear();
    values.clear();
    f.timestampType = null;
    FailureHeaders.add(f, null, new IllegalStateException("x"), null, keys, values);
    assertEquals(0, value("kafka_dlt-original-consumer-group").length);
    assertEquals(0, value("kafka_dlt-original-timestamp-type").length);
  }

  @Test
  void headersAlreadyInTheListsStayFirst() {
    keys.add("own");
    values.add(null);
    FailureHeaders.add(orders(), "g", new IllegalStateException("x"), null, keys, values);
    assertEquals("own", keys.get(0));
    assertEquals(null, values.get(0));
    assertEquals(DeadLetters.ORIGINAL_TOPIC, keys.get(1));
  }

  @Test
  void aLongStackTraceIsCutAt16KiBWithAMarker() {
    StringBuilder huge = new StringBuilder();
    while (huge.length() < 3 * LIMIT) {
      huge.append("0123456789abcdef");
    }
    IllegalStateException error = new IllegalStateException(huge.toString());
    String full = printed(error);
    assertTrue(full.length() > LIMIT);

    FailureHeaders.add(orders(), "g", error, TRACEPARENT, keys, values);

    String trace = text("kafka_dlt-exception-stacktrace");
    String marker = "\n\t... (cut by Weft at 16384 characters)";
    assertEquals(full.substring(0, LIMIT) + marker, trace);
    assertEquals(LIMIT + marker.length(), trace.length());
    assertEquals("traceparent", keys.get(keys.size() - 1), "still last");
    assertEquals(huge.toString(), text("kafka_dlt-exception-message"), "the message is not cut");
  }

  @Test
  void aStackTraceOfExactly16KiBIsKept() {
    String prefix = "java.lang.IllegalStateException: ";
    // a trace with no frames: "<class>: <message>" + line separator
    IllegalStateException probe = new IllegalStateException("m");
    probe.setStackTrace(new StackTraceElement[0]);
    int overhead = printed(probe).length() - 1;
    StringBuilder message = new StringBuilder();
    while (message.length() < LIMIT - overhead) {
      message.append('m');
    }
    IllegalStateException error = new IllegalStateException(message.toString());
    error.setStackTrace(new StackTraceElement[0]);
    String full = printed(error);
    assertTrue(full.startsWith(prefix));
    assertEquals(LIMIT, full.length());

    assertEquals(full, FailureHeaders.stackTrace(error));
  }

  @Test
  void rootCauseIsTheDeepestCause() {
    IllegalStateException alone = new IllegalStateException();
    assertSame(alone, FailureHeaders.rootCause(alone));

    IOException root = new IOException("root");
    RuntimeException mid = new RuntimeException(root);
    Exception top = new Exception(mid);
    assertSame(root, FailureHeaders.rootCause(top));
    assertSame(root, FailureHeaders.rootCause(mid));
  }

  @Test
  void rootCauseEndsOnACycleAndOnAVeryLongChain() {
    RuntimeException a = new RuntimeException("a");
    RuntimeException b = new RuntimeException("b", a);
    a.initCause(b);
    Throwable r = FailureHeaders.rootCause(a);
    assertTrue(r == a || r == b);

    List<Throwable> chain = new ArrayList<>();
    Throwable deepest = new RuntimeException("0");
    chain.add(deepest);
    for (int i = 1; i < 100; i++) {
      chain.add(new RuntimeException(String.valueOf(i), chain.get(i - 1)));
    }
    Collections.reverse(chain); // chain.get(0) is the outermost
    Throwable found = FailureHeaders.rootCause(chain.get(0));
    assertSame(chain.get(32), found, "followed 32 causes deep at most");
  }
}
