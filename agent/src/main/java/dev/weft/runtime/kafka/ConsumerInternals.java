package dev.weft.runtime.kafka;

import java.lang.reflect.Field;

/**
 * A consumer's {@code subscriptions} and {@code isolationLevel} fields: on the
 * {@code KafkaConsumer} itself up to 3.6, on its {@code delegate} (classic or new-protocol
 * implementation) from 3.7. Read once per consumer; both are final there.
 */
final class ConsumerInternals {
  static final ConsumerInternals NONE = new ConsumerInternals(null, null);
  final Object subscriptions;
  final Object isolationLevel;

  ConsumerInternals(Object subscriptions, Object isolationLevel) {
    this.subscriptions = subscriptions;
    this.isolationLevel = isolationLevel;
  }

  static ConsumerInternals of(Object consumer) {
    Object target = consumer;
    Object delegate = read(consumer, "delegate");
    if (delegate != null) {
      target = delegate;
    }
    Object subscriptions = read(target, "subscriptions");
    return subscriptions == null ? NONE : new ConsumerInternals(subscriptions, read(target, "isolationLevel"));
  }

  /** A field of {@code target} or its superclasses, made accessible; null when it cannot be read. */
  static Object read(Object target, String name) {
    for (Class<?> c = target.getClass(); c != null && c != Object.class; c = c.getSuperclass()) {
      try {
        Field f = c.getDeclaredField(name);
        f.setAccessible(true);
        return f.get(target);
      } catch (NoSuchFieldException e) {
        // the superclass may have it
      } catch (ReflectiveOperationException | RuntimeException e) {
        return null;
      }
    }
    return null;
  }
}
