package dev.weft.bootstrap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The bridge's weak identity map, which modules' helpers keep per-object state in. */
class WeakIdentityMapTest {

  @Test
  void comparesByIdentityAndForgetsCollectedKeys() throws Exception {
    WeakIdentityMap<String> map = new WeakIdentityMap<>();
    String a = new String("k");
    String b = new String("k");
    map.put(a, "A");
    map.put(b, "B");
    assertSame("A", map.get(a));
    assertSame("B", map.get(b));
    assertEquals("A", map.remove(a));
    assertNull(map.get(a));
    map.put(new Object(), "garbage");
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (map.size() > 1 && System.nanoTime() < deadline) {
      System.gc();
      Thread.sleep(20); // pacing for the collector only; the loop polls the condition
    }
    assertEquals(1, map.size());
    assertTrue(map.get(b) != null);
  }

  @Test
  void aKeyLookedUpLastIsStillCollected() throws Exception {
    // get and remove share one probe object: it must not keep the last key it probed alive.
    WeakIdentityMap<String> map = new WeakIdentityMap<>();
    Object key = new Object();
    map.put(key, "value");
    assertSame("value", map.get(key));
    java.lang.ref.WeakReference<Object> watched = new java.lang.ref.WeakReference<>(key);
    key = null;
    long deadline = System.nanoTime() + 10_000_000_000L;
    while ((watched.get() != null || map.size() > 0) && System.nanoTime() < deadline) {
      System.gc();
      Thread.sleep(20); // pacing for the collector only; the loop polls the condition
    }
    assertNull(watched.get(), "the key is still reachable after its last lookup");
    assertEquals(0, map.size());
  }
}
