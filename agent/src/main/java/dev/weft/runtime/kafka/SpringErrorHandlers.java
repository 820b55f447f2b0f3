package dev.weft.runtime.kafka;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;

/**
 * Who decides that a Spring Kafka listener container's failed record is final, read from the
 * container's {@code CommonErrorHandler} by class names and fields (Weft cannot link Spring's
 * types). Spring Kafka 3.0 to 4.0 keep the same shape: a {@code FailedRecordProcessor}
 * ({@code DefaultErrorHandler} and its relatives) holds a {@code FailedRecordTracker} in
 * {@code failureTracker}, which holds the recoverer in {@code recoverer}, the application's own
 * object when it is a {@code ConsumerAwareRecordRecoverer} (as {@code DeadLetterPublishingRecoverer}
 * is), else a lambda that captured it.
 */
final class SpringErrorHandlers {

  static final String FAILED_RECORD_PROCESSOR = "org.springframework.kafka.listener.FailedRecordProcessor";
  static final String FAILED_RECORD_TRACKER = "org.springframework.kafka.listener.FailedRecordTracker";
  static final String DEAD_LETTER_PUBLISHING_RECOVERER =
      "org.springframework.kafka.listener.DeadLetterPublishingRecoverer";

  /** Who makes a failure final. */
  enum Decider {
    /** Weft, from the consumer's position at later polls (no error handler Weft understands). */
    POSITIONS,
    /** Spring's error handler: final when it runs its recoverer (retries exhausted, or skipped). */
    ERROR_HANDLER,
    /** The application publishes its own dead letters: Weft dead-letters nothing of it. */
    APPLICATION
  }

  /** What was found: the decider, and the recoverer's class for the log line. */
  static final class Verdict {
    final Decider decider;
    final String recoverer;

    Verdict(Decider decider, String recoverer) {
      this.decider = decider;
      this.recoverer = recoverer;
    }
  }

  private SpringErrorHandlers() {}

  /** The verdict for a container whose error handler is {@code errorHandler} (null: none). */
  static Verdict of(Object errorHandler) {
    if (errorHandler == null || !isA(errorHandler.getClass(), FAILED_RECORD_PROCESSOR)) {
      return new Verdict(Decider.POSITIONS, null);
    }
    Object tracker = read(errorHandler, "failureTracker");
    if (tracker == null || !hasRecoveryHook(tracker.getClass())) {
      // A Spring Kafka whose tracker Weft does not weave: its recoveries would never be seen.
      return new Verdict(Decider.POSITIONS, null);
    }
    Object recoverer = read(tracker, "recoverer");
    Object own = deadLetterPublisher(recoverer);
    if (own != null) {
      return new Verdict(Decider.APPLICATION, own.getClass().getName());
    }
    return new Verdict(Decider.ERROR_HANDLER, recoverer == null ? null : recoverer.getClass().getName());
  }

  /**
   * The {@code DeadLetterPublishingRecoverer} (or subclass) that {@code recoverer} is, or that
   * the lambda {@code recoverer} captured (Spring wraps a plain {@code BiConsumer} that way, and
   * the application's own lambda may capture the publisher in turn: a few levels are followed).
   */
  static Object deadLetterPublisher(Object recoverer) {
    return deadLetterPublisher(recoverer, 3);
  }

  private static Object deadLetterPublisher(Object recoverer, int levels) {
    if (recoverer == null || levels == 0) {
      return null;
    }
    if (isA(recoverer.getClass(), DEAD_LETTER_PUBLISHING_RECOVERER)) {
      return recoverer;
    }
    if (!recoverer.getClass().isSynthetic() && !recoverer.getClass().getName().contains("$$Lambda")) {
      return null;
    }
    for (Field f : recoverer.getClass().getDeclaredFields()) {
      if (Modifier.isStatic(f.getModifiers()) || f.getType().isPrimitive()) {
        continue;
      }
      try {
        f.setAccessible(true);
        Object found = deadLetterPublisher(f.get(recoverer), levels - 1);
        if (found != null) {
          return found;
        }
      } catch (ReflectiveOperationException | RuntimeException unreadable) {
        // not a capture Weft can read: not recognised as the application's dead-letter publisher
      }
    }
    return null;
  }

  /** The tracker's {@code attemptRecovery(record, exception, partition, consumer)}, woven by Weft. */
  static boolean hasRecoveryHook(Class<?> tracker) {
    for (Class<?> c = tracker; c != null && c != Object.class; c = c.getSuperclass()) {
      if (!c.getName().equals(FAILED_RECORD_TRACKER)) {
        continue;
      }
      for (Method m : c.getDeclaredMethods()) {
        if (m.getName().equals("attemptRecovery") && m.getParameterCount() == 4) {
          return true;
        }
      }
    }
    return false;
  }

  static boolean isA(Class<?> type, String className) {
    for (Class<?> c = type; c != null; c = c.getSuperclass()) {
      if (c.getName().equals(className)) {
        return true;
      }
    }
    return false;
  }

  /**
   * A field of {@code target} or its superclasses, made accessible; null when it cannot be read.
   * Once per listener container start.
   */
  private static Object read(Object target, String name) {
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
