package dev.weft.runtime.dlq.cli;

import static dev.weft.runtime.dlq.cli.DeadLetterFixtures.deadLetter;
import static dev.weft.runtime.dlq.cli.DeadLetterFixtures.plain;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Collections;
import org.junit.jupiter.api.Test;

/** {@code --filter exception=, topic=, partition=}. */
class DlqFilterTest {

  private static final DeadLetter FAILED =
      new DeadLetter(
          deadLetter(
              0, "orders", 3, 10,
              new IllegalStateException("x", new java.net.SocketTimeoutException("slow")),
              null, null, null));

  private static boolean matches(String spec, DeadLetter d) {
    return DlqFilter.parse(spec).matches(d);
  }

  @Test
  void exceptionMatchesTheFullNameOrADottedSuffixOfTheExceptionOrItsCause() {
    assertTrue(matches("exception=java.lang.IllegalStateException", FAILED));
    assertTrue(matches("exception=IllegalStateException", FAILED));
    assertTrue(matches("exception=lang.IllegalStateException", FAILED));
    assertTrue(matches("exception=SocketTimeoutException", FAILED));
    assertTrue(matches("exception=java.net.SocketTimeoutException", FAILED));
    assertFalse(matches("exception=StateException", FAILED));
    assertFalse(matches("exception=illegalstateexception", FAILED));
    assertFalse(matches("exception=IOException", FAILED));
  }

  @Test
  void topicAndPartitionAreTheOriginalOnes() {
    assertTrue(matches("topic=orders", FAILED));
    assertFalse(matches("topic=orders.dlq", FAILED));
    assertTrue(matches("partition=3", FAILED));
    assertFalse(matches("partition=0", FAILED));
    DeadLetter noBlock = new DeadLetter(plain(0, null, null));
    assertFalse(matches("topic=orders", noBlock));
    assertFalse(matches("partition=0", noBlock));
    assertFalse(matches("exception=Exception", noBlock));
  }

  @Test
  void allFiltersMustHold() {
    assertTrue(DlqFilter.all(Collections.emptyList(), FAILED));
    assertTrue(
        DlqFilter.all(
            Arrays.asList(DlqFilter.parse("topic=orders"), DlqFilter.parse("partition=3")), FAILED));
    assertFalse(
        DlqFilter.all(
            Arrays.asList(DlqFilter.parse("topic=orders"), DlqFilter.parse("partition=4")), FAILED));
  }

  @Test
  void badFiltersSayWhatIsAccepted() {
    for (String bad : new String[] {"exception", "exception=", "offset=3", "partition=-1", "partition=x"}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DlqFilter.parse(bad));
      assertTrue(
          e.getMessage().contains("exception=NAME") || e.getMessage().contains("partition=N"),
          e.getMessage());
    }
    assertEquals("topic=a=b", DlqFilter.parse("topic=a=b").toString());
  }
}
