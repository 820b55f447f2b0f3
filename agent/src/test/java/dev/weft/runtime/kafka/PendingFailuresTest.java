package dev.weft.runtime.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.runtime.kafka.PendingFailures.Pending;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * When a plain consumer's failed record becomes final: the polls after the failure, as the poll
 * advice reports them when the application calls {@code poll} (the position of every assigned
 * partition).
 */
class PendingFailuresTest {

  private final PendingFailures pending = new PendingFailures();
  private final Object record = new Object();

  private List<Pending> poll(long position) {
    pending.position("orders", 0, position);
    pending.position("orders", 1, 0);
    return pending.pollDone(true);
  }

  @Test
  void aFailureIsFinalOnceAPollFindsTheConsumerPastItsOffset() {
    assertTrue(pending.add("orders", 0, 7, record, new IllegalStateException("1"), null));
    assertEquals(List.of(), poll(7), "sought back to the record: another attempt comes");
    assertTrue(pending.add("orders", 0, 7, record, new IllegalStateException("2"), "00-tp"));
    assertEquals(List.of(), poll(7), "sought back again");
    List<Pending> finals = poll(8);
    assertEquals(1, finals.size(), "the consumer went on: final");
    assertEquals("2", finals.get(0).error.getMessage(), "with the latest attempt's error");
    assertEquals("00-tp", finals.get(0).traceparent);
    assertTrue(pending.isEmpty());
  }

  @Test
  void aRetryThatSucceedsLeavesNothingToDecide() {
    pending.add("orders", 0, 7, record, new IllegalStateException(), null);
    assertNotNull(pending.remove("orders", 0, 7));
    assertNull(pending.remove("orders", 0, 7));
    assertEquals(List.of(), poll(12));
  }

  @Test
  void aPartitionNoLongerAssignedMakesItsFailuresFinalUnlessAnErrorHandlerDecides() {
    pending.add("orders", 2, 3, record, new IllegalStateException(), null);
    List<Pending> finals = poll(0);
    assertEquals(1, finals.size());
    assertSame(record, finals.get(0).record);

    pending.add("orders", 2, 3, record, new IllegalStateException(), null);
    pending.position("orders", 0, 100);
    assertEquals(List.of(), pending.pollDone(false), "the error handler's failure is dropped, not final");
    assertTrue(pending.isEmpty());
  }

  @Test
  void anErrorHandlersFailuresWaitForItWhateverThePosition() {
    pending.add("orders", 0, 7, record, new IllegalStateException(), null);
    pending.position("orders", 0, 100);
    assertEquals(List.of(), pending.pollDone(false));
    assertEquals(1, pending.size());
  }

  @Test
  void anUnknownPositionDecidesNothing() {
    pending.add("orders", 0, 7, record, new IllegalStateException(), null);
    assertEquals(List.of(), poll(-1));
    assertEquals(1, pending.size());
  }

  @Test
  void theStoreIsBounded() {
    PendingFailures small = new PendingFailures(2);
    assertTrue(small.add("orders", 0, 1, record, new IllegalStateException(), null));
    assertTrue(small.add("orders", 0, 2, record, new IllegalStateException(), null));
    assertTrue(small.add("orders", 0, 2, record, new IllegalStateException("again"), null), "a retry takes no room");
    assertFalse(small.add("orders", 0, 3, record, new IllegalStateException(), null));
    assertEquals(2, small.takeAll().size());
    assertTrue(small.isEmpty());
  }
}
