package dev.weft.instrumentation.servlet.javax;

import dev.weft.bootstrap.WeftBridge;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.servlet.AsyncEvent;
import javax.servlet.AsyncListener;
import javax.servlet.http.HttpServletResponse;

/**
 * Ends a request that went asynchronous ({@code request.startAsync()}) when its async context
 * completes. A helper class of the module: defined in the servlet API's class loader next to the
 * container, typed against its {@code AsyncListener} (the jakarta module's copy against
 * {@code jakarta.servlet}).
 *
 * <p>{@code onComplete} ends the request, exactly once, with the response's status at that moment;
 * {@code onError} keeps the throwable for it; {@code onTimeout} needs nothing (the container or
 * the application then completes the request, which sets the status); {@code onStartAsync} (the
 * application started async again) registers the listener again, as the spec asks of listeners
 * that want further events.
 */
public final class ServletAsyncListener implements AsyncListener {

  /** servlet-javax, or servlet-jakarta in the relocated copy. */
  private static final String MODULE =
      AsyncListener.class.getName().startsWith("jakarta.") ? "servlet-jakarta" : "servlet-javax";

  private final Object handle;
  private final HttpServletResponse response;
  private final String route;
  private final AtomicBoolean ended = new AtomicBoolean();
  private volatile Throwable error;

  /**
   * A listener for the request behind {@code handle}.
   *
   * @param response the request's response, read for its status on completion
   * @param route the route found during the dispatch, or null
   */
  public ServletAsyncListener(Object handle, HttpServletResponse response, String route) {
    this.handle = handle;
    this.response = response;
    this.route = route;
  }

  @Override
  public void onComplete(AsyncEvent event) {
    if (!ended.compareAndSet(false, true)) {
      return;
    }
    int status = -1;
    try {
      status = response.getStatus();
    } catch (Throwable ignored) {
      // Recorded with the error, or as no response (500), below.
    }
    WeftBridge.operations().end(handle, status, error, route);
  }

  @Override
  public void onError(AsyncEvent event) {
    try {
      error = event.getThrowable();
    } catch (Throwable t) {
      WeftBridge.adviceFailed(t, MODULE);
    }
  }

  @Override
  public void onTimeout(AsyncEvent event) {}

  @Override
  public void onStartAsync(AsyncEvent event) {
    try {
      event.getAsyncContext().addListener(this);
    } catch (Throwable t) {
      WeftBridge.adviceFailed(t, MODULE);
    }
  }

  @Override
  public String toString() {
    return "WeftAsyncListener";
  }
}
