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
 * advice reports them (where each partition's handed records start, the position of every
 * assigned partition).
 */
class PendingFailuresTest {

  private final PendingFailures pending = new PendingFailures();
  private final Object record = new Object();

  private List<Pending> poll(long position, Long handedFrom) {
    if (handedFrom != null) {
      pending.handed("orders", 0, handedFrom);
    }
    pending.position("orders", 0, position);
    pending.position("orders", 1, 0);
    return pending.pollDone(true);
  }

  @Test
  void aFailureIsFinalOnceAPollFindsTheConsumerPastItsOffset() {
    assertTrue(pending.add("orders", 0, 7, record, new IllegalStateException("1"), null));
    assertEquals(List.of(), poll(7, null), "sought back to the record, nothing fetched yet");
    assertEquals(List.of(), poll(12, 7L), "handed over again from the record: another attempt");
    assertTrue(pending.add("orders", 0, 7, record, new IllegalStateException("2"), "00-tp"));
    List<Pending> finals = poll(12, null);
    assertEquals(1, finals.size(), "the consumer went on: final");
    assertEquals("2", finals.get(0).error.getMessage(), "with the latest attempt's error");
    assertEquals("00-tp", finals.get(0).traceparent);
    assertTrue(pending.isEmpty());
  }

  @Test
  void aPollThatHandsOverRecordsAfterTheFailedOneOnlyIsPastIt() {
    pending.add("orders", 0, 7, record, new IllegalStateException(), null);
    assertEquals(1, poll(20, 8L).size());
  }

  @Test
  void aRetryThatSucceedsLeavesNothingToDecide() {
    pending.add("orders", 0, 7, record, new IllegalStateException(), null);
    assertNotNull(pending.remove("orders", 0, 7));
    assertNull(pending.remove("orders", 0, 7));
    assertEquals(List.of(), poll(12, null));
  }

  @Test
  void aPartitionNoLongerAssignedMakesItsFailuresFinalUnlessAnErrorHandlerDecides() {
    pending.add("orders", 2, 3, record, new IllegalStateException(), null);
    List<Pending> finals = poll(0, null);
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
    assertEquals(List.of(), poll(-1, null));
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
