package dev.weft.runtime.metrics;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * The cardinality guard for one open-ended label of one metric: up to {@code limit} distinct
 * values get their own entry; every further value shares the {@value #OTHER} entry, and each
 * observation that lands there is counted (weft_label_overflow_total). Admission is sticky, so a
 * value is either always itself or always {@value #OTHER}, for every thread from its first
 * observation on: start and end of a call agree, and a value's own series plus {@value #OTHER}
 * hold exactly what was observed.
 *
 * <p>The hot path is one {@link ConcurrentHashMap#get}: no allocation once a value is known.
 */
public final class BoundedLabelMap<V> {

  public static final String OTHER = "_other_";
  static final int MAX_VALUE_LENGTH = 256;

  private final ConcurrentHashMap<String, V> entries = new ConcurrentHashMap<>();
  private final AtomicInteger admitted = new AtomicInteger();
  private final int limit;
  private final Function<String, V> factory;
  private final Runnable onOverflow;
  private volatile V other;

  public BoundedLabelMap(int limit, Function<String, V> factory, Runnable onOverflow) {
    this.limit = limit;
    this.factory = factory;
    this.onOverflow = onOverflow;
  }

  public V get(String value) {
    if (value == null) {
      value = "";
    }
    V entry = entries.get(value);
    if (entry != null) {
      return entry;
    }
    return admit(value);
  }

  /**
   * A value not seen yet: admitted while places are left, else {@value #OTHER}. Decided inside
   * the map's own atomic {@code computeIfAbsent}, so that whoever asks for a value while another
   * thread is admitting it waits for that entry instead of counting it under {@value #OTHER}
   * (the last place taken by a value that two requests brought at once). Only values that were
   * not admitted come here again; they wait at most for an entry being created in the same bin
   * of the map, and cost one small node of the map's for the duration of the call.
   */
  private V admit(String value) {
    V entry = entries.computeIfAbsent(value, this::createIfRoom);
    if (entry != null) {
      return entry;
    }
    onOverflow.run();
    return other();
  }

  /** The entry of a new value if a place is left (taking it), else null (nothing is stored). */
  private V createIfRoom(String value) {
    while (true) {
      int n = admitted.get();
      if (n >= limit) {
        return null;
      }
      if (admitted.compareAndSet(n, n + 1)) {
        break;
      }
    }
    String label = value.length() > MAX_VALUE_LENGTH ? cut(value) : value;
    try {
      return factory.apply(label);
    } catch (RuntimeException | Error e) {
      admitted.decrementAndGet(); // nothing was stored: the place is free again
      throw e;
    }
  }

  /** The first {@value #MAX_VALUE_LENGTH} chars, less half a surrogate pair at the cut. */
  private static String cut(String value) {
    int end = MAX_VALUE_LENGTH;
    if (Character.isHighSurrogate(value.charAt(end - 1))
        && Character.isLowSurrogate(value.charAt(end))) {
      end--;
    }
    return value.substring(0, end);
  }

  private V other() {
    V o = other;
    if (o == null) {
      synchronized (this) {
        o = other;
        if (o == null) {
          o = factory.apply(OTHER);
          other = o;
        }
      }
    }
    return o;
  }

  public int size() {
    return entries.size();
  }
}
