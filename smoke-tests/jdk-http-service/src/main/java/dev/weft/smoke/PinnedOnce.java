package dev.weft.smoke;

import java.util.concurrent.locks.LockSupport;

/**
 * A deliberate pin, for the smoke test's check that its JFR recording does see
 * {@code jdk.VirtualThreadPinned} events: the first {@code /pin-once} request initialises this
 * class, and its static initializer parks. A virtual thread cannot unmount while it runs a class
 * initializer (a VM frame is on its stack), so that park pins its carrier, once.
 */
final class PinnedOnce {

  static final long PARKED_NANOS = 20_000_000L;

  static {
    long until = System.nanoTime() + PARKED_NANOS;
    for (long left = PARKED_NANOS; left > 0; left = until - System.nanoTime()) {
      LockSupport.parkNanos(left);
    }
  }

  private PinnedOnce() {}

  static String touch() {
    return "pinned once for " + PARKED_NANOS / 1_000_000 + " ms\n";
  }
}
