package dev.weft.instrumentation.reactor.core.v3;

import dev.weft.bootstrap.ContextBridge;
import dev.weft.bootstrap.WeftBridge;
import java.util.function.Function;
import org.reactivestreams.Publisher;
import reactor.core.CoreSubscriber;
import reactor.core.Fuseable;
import reactor.core.publisher.Hooks;
import reactor.core.publisher.Operators;
import reactor.core.scheduler.Schedulers;

/**
 * Weft's two Reactor hooks, registered under one key. A helper class of the module, defined next
 * to Reactor. Nothing here throws into Reactor.
 *
 * <ul>
 *   <li>The <b>operator hook</b> ({@code Hooks.onEachOperator}) lifts each operator: when a chain
 *       is subscribed while a trace context is current, the subscriber each operator passes its
 *       signals to is wrapped in a {@link ContextSubscriber} holding that context, which makes it
 *       current around every signal, on whatever thread it arrives. Subscribed with no context,
 *       the subscriber is left as it is. Publishers that emit on the subscribing thread itself
 *       ({@code Mono.just}, {@code Flux.empty}, ...: Reactor's scalar callables) are not lifted.
 *   <li>The <b>schedule hook</b> ({@code Schedulers.onScheduleHook}) wraps each task a scheduler is
 *       given while a context is current in a {@link ContextTask}, so {@code subscribeOn}, {@code
 *       publishOn}, {@code delay} and work on {@code boundedElastic} run in it.
 * </ul>
 *
 * <p>With tracing off (Weft's context bridge does nothing) neither hook is registered: the
 * application's chains are assembled exactly as without Weft.
 */
public final class ReactorContexts {

  static final String MODULE = "reactor-core-3";

  /** The key of Weft's hooks among the application's own. */
  static final String KEY = "weft.context";

  private ReactorContexts() {}

  static boolean tracing() {
    return WeftBridge.context() != ContextBridge.NOOP;
  }

  /** Registers (or replaces) the operator hook. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  public static void registerOperatorHook() {
    try {
      if (!tracing()) {
        return;
      }
      Function lift =
          Operators.liftPublisher(
              publisher -> !(publisher instanceof Fuseable.ScalarCallable),
              (publisher, subscriber) -> carry((CoreSubscriber) subscriber));
      Hooks.onEachOperator(KEY, lift);
    } catch (Throwable t) {
      WeftBridge.adviceFailed(t, MODULE);
    }
  }

  /** Registers (or replaces) the schedule hook. */
  public static void registerScheduleHook() {
    try {
      if (!tracing()) {
        return;
      }
      Schedulers.onScheduleHook(KEY, ReactorContexts::task);
    } catch (Throwable t) {
      WeftBridge.adviceFailed(t, MODULE);
    }
  }

  /** The subscriber an operator passes its signals to, in the context current at subscription. */
  static <T> CoreSubscriber<T> carry(CoreSubscriber<T> subscriber) {
    try {
      Object context = WeftBridge.context().current();
      if (context == null
          || (subscriber instanceof ContextSubscriber
              && ((ContextSubscriber<T>) subscriber).carries(context))) {
        return subscriber;
      }
      return new ContextSubscriber<>(subscriber, context);
    } catch (Throwable t) {
      WeftBridge.adviceFailed(t, MODULE);
      return subscriber;
    }
  }

  /** A task handed to a scheduler, in the context current when it was handed over. */
  static Runnable task(Runnable task) {
    try {
      Object context = WeftBridge.context().current();
      return context == null || task instanceof ContextTask ? task : new ContextTask(task, context);
    } catch (Throwable t) {
      WeftBridge.adviceFailed(t, MODULE);
      return task;
    }
  }

  /**
   * Makes {@code context} current unless it already is; returns the scope for {@link #leave}, or
   * null when there is nothing to restore.
   */
  static Object enter(Object context) {
    try {
      ContextBridge bridge = WeftBridge.context();
      return bridge.current() == context ? null : bridge.attach(context);
    } catch (Throwable t) {
      WeftBridge.adviceFailed(t, MODULE);
      return null;
    }
  }

  /** Restores what was current before {@link #enter}. */
  static void leave(Object scope) {
    if (scope == null) {
      return;
    }
    try {
      WeftBridge.context().detach(scope);
    } catch (Throwable t) {
      WeftBridge.adviceFailed(t, MODULE);
    }
  }
}
