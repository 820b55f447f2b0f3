package dev.weft.runtime.dlq.cli;

import static dev.weft.runtime.dlq.cli.DeadLetterFixtures.deadLetter;
import static dev.weft.runtime.dlq.cli.DeadLetterFixtures.plain;
import static dev.weft.runtime.dlq.cli.DeadLetterFixtures.utf8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.runtime.dlq.DeadLetters;
import dev.weft.runtime.dlq.RawRecord;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The split of a dead letter into the original record and Weft's failure block. */
class DeadLetterTest {

  private static final String TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

  @Test
  void originalHeadersAreThoseBeforeTheBlockWithDuplicatesNullsAndOrder() {
    RawRecord r =
        deadLetter(
            7, "orders", 2, 41, new IllegalStateException("boom", new java.io.IOException("disk")),
            TRACEPARENT, utf8("k"), utf8("v"),
            "b", utf8("1"), "a", null, "b", utf8("2"), "traceparent", utf8("00-original-01"));
    DeadLetter d = new DeadLetter(r);

    assertEquals(4, d.blockStart);
    assertEquals(Arrays.asList("b", "a", "b", "traceparent"), d.originalHeaderKeys());
    List<byte[]> values = d.originalHeaderValues();
    assertArrayEquals(utf8("1"), values.get(0));
    assertNull(values.get(1));
    assertArrayEquals(utf8("2"), values.get(2));
    assertArrayEquals(utf8("00-original-01"), values.get(3));
    assertEquals(DeadLetters.ORIGINAL_TOPIC, r.headerKeys.get(4));
  }

  @Test
  void readsTheFailureBlock() {
    DeadLetter d =
        new DeadLetter(
            deadLetter(
                7, "orders", 2, 41, new IllegalStateException("boom", new java.io.IOException("disk")),
                TRACEPARENT, null, null, "traceparent", utf8("00-original-01")));

    assertEquals("orders", d.originalTopic());
    assertEquals(Integer.valueOf(2), d.originalPartition());
    assertEquals(Long.valueOf(41), d.originalOffset());
    assertEquals(Long.valueOf(1_700_000_000_123L), d.originalTimestamp());
    assertEquals("CreateTime", d.text(DeadLetter.ORIGINAL_TIMESTAMP_TYPE));
    assertEquals("billing", d.text(DeadLetter.CONSUMER_GROUP));
    assertEquals("java.lang.IllegalStateException", d.exception());
    assertEquals("java.io.IOException", d.exceptionCause());
    // As Spring's recoverer: the exception's message, ";", the root cause's (since 3ac2c74).
    assertEquals("boom;disk", d.text(DeadLetter.EXCEPTION_MESSAGE));
    assertTrue(d.text(DeadLetter.EXCEPTION_STACKTRACE).startsWith("java.lang.IllegalStateException: boom"));
    // The failing span's, from the block; not the original record's own traceparent header.
    assertEquals(TRACEPARENT, d.text(DeadLetter.TRACEPARENT));
  }

  @Test
  void optionalHeadersAreAbsent() {
    DeadLetter d =
        new DeadLetter(deadLetter(0, "orders", 0, 0, new IllegalStateException(), null, null, null));
    assertNull(d.exceptionCause());
    assertNull(d.text(DeadLetter.EXCEPTION_MESSAGE));
    assertNull(d.text(DeadLetter.TRACEPARENT));
    assertEquals(Collections.emptyList(), d.originalHeaderKeys());
  }

  @Test
  void aRecordWithoutBlockIsAllOriginal() {
    DeadLetter d = new DeadLetter(plain(3, null, utf8("v"), "a", utf8("1"), "traceparent", utf8("t")));
    assertEquals(2, d.blockStart);
    assertEquals(Arrays.asList("a", "traceparent"), d.originalHeaderKeys());
    assertNull(d.originalTopic());
    assertNull(d.originalPartition());
    assertNull(d.text(DeadLetter.TRACEPARENT));
    assertNull(d.replayPartition(10));
    assertNull(d.replayTimestamp());
  }

  @Test
  void numbersOfTheWrongSizeAreAbsent() {
    DeadLetter d =
        new DeadLetter(
            plain(0, null, null, DeadLetters.ORIGINAL_TOPIC, utf8("t"),
                DeadLetter.ORIGINAL_PARTITION, new byte[] {0, 1},
                DeadLetter.ORIGINAL_OFFSET, new byte[] {0, 0, 0, 1}));
    assertEquals("t", d.originalTopic());
    assertNull(d.originalPartition());
    assertNull(d.originalOffset());
    assertNull(d.originalTimestamp());
  }

  @Test
  void replayKeepsThePartitionWhenTheTopicHasItAndTheTimestamp() {
    DeadLetter d =
        new DeadLetter(deadLetter(0, "orders", 2, 5, new RuntimeException(), null, null, null));
    assertEquals(Integer.valueOf(2), d.replayPartition(3));
    assertNull(d.replayPartition(2));
    assertNull(d.replayPartition(0));
    assertEquals(Long.valueOf(1_700_000_000_123L), d.replayTimestamp());
  }
}
