package dev.weft.bootstrap;

import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.HashMap;

/**
 * Per-object state that a module's advice and helpers keep without adding fields to library
 * classes (which retransformation would forbid): keys are compared by identity and held weakly, so an entry
 * disappears with its key if the advice never removes it. Small and synchronized: it is touched a
 * few times per call (an HTTP call's connection, an asynchronous call waiting for its thread).
 * A primitive shared by modules: it names no library.
 */
public final class WeakIdentityMap<V> {

  private final ReferenceQueue<Object> cleared = new ReferenceQueue<>();
  private final HashMap<Object, V> entries = new HashMap<>();

  public synchronized V get(Object key) {
    expunge();
    return key == null ? null : entries.get(new Lookup(key));
  }

  public synchronized void put(Object key, V value) {
    expunge();
    if (key != null) {
      entries.put(new Key(key, cleared), value);
    }
  }

  public synchronized V remove(Object key) {
    expunge();
    return key == null ? null : entries.remove(new Lookup(key));
  }

  public synchronized int size() {
    expunge();
    return entries.size();
  }

  private void expunge() {
    for (Object k = cleared.poll(); k != null; k = cleared.poll()) {
      entries.remove(k); // a cleared Key equals only itself
    }
  }

  /** The stored key: a weak reference with the referent's identity hash. */
  private static final class Key extends WeakReference<Object> {
    private final int hash;

    Key(Object referent, ReferenceQueue<Object> queue) {
      super(referent, queue);
      this.hash = System.identityHashCode(referent);
    }

    @Override
    public int hashCode() {
      return hash;
    }

    @Override
    public boolean equals(Object other) {
      if (other == this) {
        return true;
      }
      Object referent = get();
      if (referent == null) {
        return false;
      }
      if (other instanceof Key) {
        return referent == ((Key) other).get();
      }
      return other instanceof Lookup && referent == ((Lookup) other).referent;
    }
  }

  /** A probe for get and remove: no reference object is created for a lookup. */
  private static final class Lookup {
    private final Object referent;
    private final int hash;

    Lookup(Object referent) {
      this.referent = referent;
      this.hash = System.identityHashCode(referent);
    }

    @Override
    public int hashCode() {
      return hash;
    }

    @Override
    public boolean equals(Object other) {
      return other instanceof Key && ((Key) other).get() == referent;
    }
  }
}
