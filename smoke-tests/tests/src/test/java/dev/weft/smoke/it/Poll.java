package dev.weft.smoke.it;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Callable;
import java.util.function.Predicate;
import org.opentest4j.AssertionFailedError;

/**
 * Synchronisation by polling with a deadline. Tests never sleep to "let things settle": they poll
 * an observable condition until it holds or the deadline passes.
 */
public final class Poll {

  /** Pause between two attempts; pacing only, never relied on for correctness. */
  private static final Duration INTERVAL = Duration.ofMillis(50);

  private Poll() {}

  public static Instant deadline(Duration fromNow) {
    return Instant.now().plus(fromNow);
  }

  /**
   * Evaluates {@code condition} until it returns true; fails with {@code message} (and the last
   * exception the condition threw, if any) once {@code deadline} has passed.
   */
  public static void until(Instant deadline, Callable<Boolean> condition, String message) {
    untilValue(deadline, condition, Boolean.TRUE::equals, value -> message);
  }

  /**
   * Evaluates {@code supplier} until {@code accept} holds for its value, and returns that value.
   * On timeout the failure names the last value seen, through {@code describe}.
   */
  public static <T> T untilValue(
      Instant deadline,
      Callable<T> supplier,
      Predicate<? super T> accept,
      java.util.function.Function<? super T, String> describe) {
    T last = null;
    Throwable lastError = null;
    boolean seenValue = false;
    while (true) {
      try {
        T value = supplier.call();
        if (accept.test(value)) {
          return value;
        }
        last = value;
        seenValue = true;
        lastError = null;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionFailedError("interrupted while polling", e);
      } catch (AssertionError e) {
        // A condition may state a precondition (e.g. "process still alive") by failing fast.
        if (e.getMessage() != null && e.getMessage().startsWith(FAIL_FAST)) {
          throw e;
        }
        lastError = e;
      } catch (Exception e) {
        lastError = e;
      }
      if (!Instant.now().isBefore(deadline)) {
        String message =
            "timed out: " + (seenValue ? describe.apply(last) : describe.apply(null));
        if (lastError != null) {
          message += " (last attempt failed with: " + lastError + ")";
        }
        throw new AssertionFailedError(message, lastError);
      }
      try {
        Thread.sleep(INTERVAL.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionFailedError("interrupted while polling", e);
      }
    }
  }

  /** Prefix of assertion messages that stop a poll at once instead of retrying. */
  public static final String FAIL_FAST = "[fail-fast] ";

  /** An error that {@link #until} does not retry. */
  public static AssertionFailedError failFast(String message) {
    return new AssertionFailedError(FAIL_FAST + message);
  }
}
