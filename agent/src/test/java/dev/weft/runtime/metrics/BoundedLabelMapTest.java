package dev.weft.runtime.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class BoundedLabelMapTest {

  @Test
  void valuesBeyondTheLimitShareOtherAndEveryOverflowIsCounted() {
    AtomicInteger overflows = new AtomicInteger();
    BoundedLabelMap<String> map = new BoundedLabelMap<>(3, v -> v, overflows::incrementAndGet);

    assertEquals("a", map.get("a"));
    assertEquals("b", map.get("b"));
    assertEquals("c", map.get("c"));
    assertEquals(BoundedLabelMap.OTHER, map.get("d"));
    assertEquals(BoundedLabelMap.OTHER, map.get("e"));
    assertEquals(BoundedLabelMap.OTHER, map.get("d"));
    assertEquals("a", map.get("a"));

    assertEquals(3, overflows.get());
    assertEquals(3, map.size());
  }

  @Test
  void admittedValuesAreTheSameEntryEveryTime() {
    BoundedLabelMap<Object> map = new BoundedLabelMap<>(10, v -> new Object(), () -> {});
    assertSame(map.get("/users/"), map.get("/users/"));
  }

  @Test
  void hugeValuesAreTruncatedInTheLabel() {
    StringBuilder huge = new StringBuilder();
    for (int i = 0; i < 10_000; i++) {
      huge.append('x');
    }
    BoundedLabelMap<String> map = new BoundedLabelMap<>(10, v -> v, () -> {});
    assertEquals(BoundedLabelMap.MAX_VALUE_LENGTH, map.get(huge.toString()).length());
  }

  @Test
  void nullIsAnEmptyValue() {
    BoundedLabelMap<String> map = new BoundedLabelMap<>(10, v -> v, () -> {});
    assertEquals("", map.get(null));
  }
}
