package dev.weft.runtime.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class BoundedLabelMapTest {

  /**
   * Two requests of one new route arrive together when one place is left: both are the route,
   * never one the route and the other {@code _other_} (which would leave the route's own series
   * one short and {@code _other_} and the overflow counter one over, for good).
   */
  @Test
  void aValueTakingTheLastPlaceIsItselfForEveryoneWhoAsksMeanwhile() throws Exception {
    CountDownLatch creating = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger overflows = new AtomicInteger();
    BoundedLabelMap<String> map =
        new BoundedLabelMap<>(
            1,
            v -> {
              creating.countDown();
              try {
                release.await(10, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              return v;
            },
            overflows::incrementAndGet);
    AtomicReference<String> first = new AtomicReference<>();
    Thread admitting = new Thread(() -> first.set(map.get("/orders")));
    admitting.start();
    assertTrue(creating.await(10, TimeUnit.SECONDS));
    // The first request is creating the route's entry (the last place) when the second asks.
    AtomicReference<String> second = new AtomicReference<>();
    Thread asking = new Thread(() -> second.set(map.get("/orders")));
    asking.start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (asking.isAlive()
        && asking.getState() != Thread.State.BLOCKED
        && asking.getState() != Thread.State.WAITING
        && asking.getState() != Thread.State.TIMED_WAITING
        && System.nanoTime() < deadline) {
      Thread.sleep(1);
    }
    release.countDown();
    admitting.join(10_000);
    asking.join(10_000);

    assertEquals("/orders", first.get());
    assertEquals("/orders", second.get());
    assertEquals(0, overflows.get());
    assertEquals(1, map.size());
  }

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
