package dev.weft.bootstrap;

import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.HashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Per-object state that a module's advice and helpers keep without adding fields to library
 * classes (which retransformation would forbid): keys are compared by identity and held weakly, so an entry
 * disappears with its key if the advice never removes it. Small and guarded by one lock: it is
 * touched a few times per call (an HTTP call's connection, an asynchronous call waiting for its
 * thread). The lock is a {@link ReentrantLock}, not a monitor: on JDK 21 to 23 a virtual thread
 * that waits for a monitor blocks its carrier thread, one that waits for this lock parks and
 * leaves the carrier to others. Nothing blocks while it is held.
 * A primitive shared by modules: it names no library.
 */
public final class WeakIdentityMap<V> {

  private final ReferenceQueue<Object> cleared = new ReferenceQueue<>();
  private final HashMap<Object, V> entries = new HashMap<>();
  private final ReentrantLock lock = new ReentrantLock();
  /** The one probe of get and remove, used under the lock and emptied after: no object per call. */
  private final Lookup probe = new Lookup();

  public V get(Object key) {
    lock.lock();
    try {
      expunge();
      return key == null ? null : entries.get(probe.at(key));
    } finally {
      probe.referent = null; // the probe must not keep a key alive
      lock.unlock();
    }
  }

  public void put(Object key, V value) {
    lock.lock();
    try {
      expunge();
      if (key != null) {
        entries.put(new Key(key, cleared), value);
      }
    } finally {
      lock.unlock();
    }
  }

  public V remove(Object key) {
    lock.lock();
    try {
      expunge();
      return key == null ? null : entries.remove(probe.at(key));
    } finally {
      probe.referent = null; // the probe must not keep a key alive
      lock.unlock();
    }
  }

  public int size() {
    lock.lock();
    try {
      expunge();
      return entries.size();
    } finally {
      lock.unlock();
    }
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
    private Object referent;
    private int hash;

    Lookup at(Object key) {
      referent = key;
      hash = System.identityHashCode(key);
      return this;
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
