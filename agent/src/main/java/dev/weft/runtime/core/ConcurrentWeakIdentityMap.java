package dev.weft.runtime.core;

import dev.weft.bootstrap.WeakIdentityMap;

/**
 * Per-object state without touching the object: a weak, identity-keyed map split into stripes by
 * identity hash, so that threads working on different statements rarely wait for one another
 * (each stripe is a small map behind a lock of its own).
 */
public final class ConcurrentWeakIdentityMap<V> {

  private static final int STRIPES = 32; // a power of two

  private final WeakIdentityMap<V>[] stripes;

  @SuppressWarnings("unchecked")
  public ConcurrentWeakIdentityMap() {
    stripes = new WeakIdentityMap[STRIPES];
    for (int i = 0; i < STRIPES; i++) {
      stripes[i] = new WeakIdentityMap<>();
    }
  }

  private WeakIdentityMap<V> stripe(Object key) {
    int h = System.identityHashCode(key);
    return stripes[(h ^ (h >>> 16)) & (STRIPES - 1)];
  }

  public V get(Object key) {
    return key == null ? null : stripe(key).get(key);
  }

  public void put(Object key, V value) {
    if (key != null) {
      stripe(key).put(key, value);
    }
  }

  public V remove(Object key) {
    return key == null ? null : stripe(key).remove(key);
  }

  public int size() {
    int n = 0;
    for (WeakIdentityMap<V> s : stripes) {
      n += s.size();
    }
    return n;
  }
}
