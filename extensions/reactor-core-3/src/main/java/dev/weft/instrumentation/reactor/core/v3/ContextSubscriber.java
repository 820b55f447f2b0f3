package dev.weft.instrumentation.reactor.core.v3;

import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.Scannable;
import reactor.util.context.Context;

/**
 * The subscriber an operator passes its signals to, wrapped with the trace context that was
 * current when the chain was subscribed: each signal runs with that context current, and what was
 * current before is restored after it, so nothing stays on the emitting thread. The subscription
 * goes through untouched (requests and cancellation are the application's own).
 */
final class ContextSubscriber<T> implements CoreSubscriber<T>, Scannable {

  private final CoreSubscriber<T> actual;
  private final Object context;

  ContextSubscriber(CoreSubscriber<T> actual, Object context) {
    this.actual = actual;
    this.context = context;
  }

  boolean carries(Object other) {
    return context == other;
  }

  @Override
  public void onSubscribe(Subscription s) {
    Object scope = ReactorContexts.enter(context);
    try {
      actual.onSubscribe(s);
    } finally {
      ReactorContexts.leave(scope);
    }
  }

  @Override
  public void onNext(T t) {
    Object scope = ReactorContexts.enter(context);
    try {
      actual.onNext(t);
    } finally {
      ReactorContexts.leave(scope);
    }
  }

  @Override
  public void onError(Throwable t) {
    Object scope = ReactorContexts.enter(context);
    try {
      actual.onError(t);
    } finally {
      ReactorContexts.leave(scope);
    }
  }

  @Override
  public void onComplete() {
    Object scope = ReactorContexts.enter(context);
    try {
      actual.onComplete();
    } finally {
      ReactorContexts.leave(scope);
    }
  }

  @Override
  public Context currentContext() {
    return actual.currentContext();
  }

  @Override
  public Object scanUnsafe(Attr key) {
    // ACTUAL only: the attributes Reactor added later (RUN_STYLE in 3.4) are not named here.
    return key == Attr.ACTUAL ? actual : null;
  }

  /** The application's subscriber's own text. */
  @Override
  public String toString() {
    return String.valueOf(actual);
  }
}
