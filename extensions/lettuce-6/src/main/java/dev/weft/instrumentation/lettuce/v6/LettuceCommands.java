package dev.weft.instrumentation.lettuce.v6;

import dev.weft.bootstrap.OperationKind;
import dev.weft.bootstrap.WeakIdentityMap;
import dev.weft.bootstrap.WeftBridge;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiConsumer;

/**
 * Follows each dispatched Lettuce command to its completion, as a Redis operation of the
 * operation pipeline. A command that is a {@code CompletableFuture} (every command of the sync
 * and async APIs) gets a completion callback, so nothing is kept per command; any other (the
 * reactive API's) is kept in a weak map until its completion is reported. A sync call that times
 * out cancels its command and throws: the command counts with what the application gets, the
 * timeout. A JDK-only helper: defined once, in the bootstrap loader.
 */
public final class LettuceCommands {

  private static final String MODULE = "lettuce-6";
  private static final OperationKind REDIS = OperationKind.named("redis");
  /** Dispatched commands that are not futures, until they complete. */
  private static final WeakIdentityMap<Object> TRACKED = new WeakIdentityMap<>();
  /** How many commands {@link #TRACKED} holds, so that completions skip it while it is empty. */
  private static final LongAdder TRACKED_COUNT = new LongAdder();
  /** Per thread: the command it waits for with a timeout, and that command if it cancelled it. */
  private static final ThreadLocal<Await> AWAITS = ThreadLocal.withInitial(Await::new);

  private LettuceCommands() {}

  /**
   * {@code command} was handed to {@code connection} on the calling thread; {@code type} stands
   * for its name. Returns the operation, to end should handing it over throw, or null.
   */
  public static Object dispatched(Object connection, Object command, Object type, byte[] name) {
    if (command == null) {
      return null;
    }
    Object operation = WeftBridge.operations().startOn(REDIS, connection, type, name);
    if (operation == null) {
      return null;
    }
    if (command instanceof CompletableFuture) {
      ((CompletableFuture<?>) command).whenComplete(new Completion(operation, command));
    } else {
      TRACKED.put(command, operation);
      TRACKED_COUNT.increment();
    }
    return operation;
  }

  /**
   * A command that is not a future completed ({@code error} null), failed or was cancelled;
   * commands never dispatched are ignored.
   */
  public static void completed(Object command, Throwable error) {
    if (TRACKED_COUNT.sum() == 0) {
      return;
    }
    Object operation = TRACKED.remove(command);
    if (operation != null) {
      TRACKED_COUNT.decrement();
      WeftBridge.operations().end(operation, error);
    }
  }

  /** The calling thread starts waiting for {@code future}; returns what it waited for before. */
  public static Object awaitStarted(Object future) {
    Await await = AWAITS.get();
    Object previous = await.future;
    await.future = future;
    return previous;
  }

  /** The wait is over; if it cancelled its command, the command ends with {@code thrown}. */
  public static void awaitEnded(Object previous, Throwable thrown) {
    Await await = AWAITS.get();
    await.future = previous;
    Object cancelled = await.cancelled;
    if (cancelled != null) {
      await.cancelled = null;
      WeftBridge.operations()
          .end(cancelled, thrown != null ? thrown : new CancellationException());
    }
  }

  /** A future command's completion callback. */
  static final class Completion implements BiConsumer<Object, Throwable> {
    private final Object operation;
    private final Object future;

    Completion(Object operation, Object future) {
      this.operation = operation;
      this.future = future;
    }

    @Override
    public void accept(Object result, Throwable error) {
      try {
        if (error instanceof CancellationException) {
          // Cancelled by the thread that waits for it with a timeout: left to awaitEnded, which
          // knows what the application gets instead.
          Await await = AWAITS.get();
          if (await.future == future) {
            await.cancelled = operation;
            return;
          }
        }
        WeftBridge.operations().end(operation, error);
      } catch (Throwable t) {
        WeftBridge.adviceFailed(t, MODULE);
      }
    }
  }

  /** What one thread waits for. */
  static final class Await {
    Object future;
    Object cancelled;
  }
}
