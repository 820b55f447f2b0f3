package dev.weft.runtime.metrics;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * The cardinality guard for one open-ended label of one metric: up to {@code limit} distinct
 * values get their own entry; every further value shares the {@value #OTHER} entry, and each
 * observation that lands there is counted (weft_label_overflow_total). Admission is sticky, so a
 * value is either always itself or always {@value #OTHER}: start and end of a call agree.
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

  private V admit(String value) {
    if (admitted.incrementAndGet() > limit) {
      admitted.decrementAndGet();
      onOverflow.run();
      return other();
    }
    String label = value.length() > MAX_VALUE_LENGTH ? cut(value) : value;
    V created = factory.apply(label);
    V raced = entries.putIfAbsent(value, created);
    if (raced != null) {
      admitted.decrementAndGet();
      return raced;
    }
    return created;
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
