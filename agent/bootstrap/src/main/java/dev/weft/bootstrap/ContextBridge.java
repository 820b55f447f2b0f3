package dev.weft.bootstrap;

/**
 * Carries the current trace context from the thread that hands over work (an executor's
 * {@code execute}, a {@code Thread}'s {@code start}, a {@code CompletableFuture} stage) to the
 * thread that runs it. The context itself is opaque here: it lives in Weft's class loader.
 */
public abstract class ContextBridge {

  public static final ContextBridge NOOP =
      new ContextBridge() {
        @Override
        public Object current() {
          return null;
        }

        @Override
        public Object attach(Object context) {
          return null;
        }

        @Override
        public void detach(Object scope) {}
      };

  /** The current context if there is anything to carry (a span or baggage), else null. */
  public abstract Object current();

  /**
   * Makes {@code context} (from {@link #current}) current on this thread; returns the scope to
   * pass to {@link #detach} on the same thread, or null when nothing was attached.
   */
  public abstract Object attach(Object context);

  /** Restores what was current before the matching {@link #attach}. Null is ignored. */
  public abstract void detach(Object scope);
}
