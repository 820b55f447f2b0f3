package dev.weft.bootstrap.servlet;

import dev.weft.bootstrap.WeftBridge;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Ends a request that went asynchronous ({@code request.startAsync()}) when its async context
 * completes. Advice cannot define classes in the application's loader, so the listener is a
 * {@link Proxy} implementing the container's own {@code AsyncListener} interface ({@code javax} or
 * {@code jakarta}: found by name next to it), with this class as its invocation handler.
 *
 * <p>{@code onComplete} ends the request, exactly once, with the response's status at that moment;
 * {@code onError} keeps the throwable for it; {@code onTimeout} needs nothing (the container or
 * the application then completes the request, which sets the status); {@code onStartAsync} (the
 * application started async again) registers the listener again, as the spec asks of listeners
 * that want further events. JDK-only: this class is on the bootstrap path.
 */
public final class ServletAsyncListener implements InvocationHandler {

  private static final ClassValue<Api> APIS =
      new ClassValue<Api>() {
        @Override
        protected Api computeValue(Class<?> listenerType) {
          try {
            return new Api(listenerType);
          } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            return null;
          }
        }
      };

  private final Api api;
  private final Object handle;
  private final Object response;
  private final String route;
  private final AtomicBoolean ended = new AtomicBoolean();
  private volatile Throwable error;

  private ServletAsyncListener(Api api, Object handle, Object response, String route) {
    this.api = api;
    this.handle = handle;
    this.response = response;
    this.route = route;
  }

  /**
   * A listener for the request behind {@code handle}, to be passed to
   * {@code asyncContext.addListener}; throws if the container's servlet API is not as expected
   * (the advice then ends the request at once).
   *
   * @param listenerType the container's {@code AsyncListener} interface
   * @param response the request's response, read for its status on completion
   * @param route the route found during the dispatch, or null
   */
  public static Object create(Class<?> listenerType, Object handle, Object response, String route) {
    Api api = APIS.get(listenerType);
    if (api == null) {
      throw new IllegalStateException("unexpected servlet API " + listenerType);
    }
    return Proxy.newProxyInstance(
        listenerType.getClassLoader(),
        new Class<?>[] {listenerType},
        new ServletAsyncListener(api, handle, response, route));
  }

  @Override
  public Object invoke(Object proxy, Method method, Object[] args) {
    String name = method.getName();
    try {
      switch (name) {
        case "onComplete":
          end();
          return null;
        case "onError":
          error = (Throwable) api.getThrowable.invoke(args[0]);
          return null;
        case "onTimeout":
          return null;
        case "onStartAsync":
          Object context = api.getAsyncContext.invoke(args[0]);
          api.addListener.invoke(context, proxy);
          return null;
        case "hashCode":
          return System.identityHashCode(proxy);
        case "equals":
          return proxy == args[0];
        case "toString":
          return "WeftAsyncListener";
        default:
          return null;
      }
    } catch (Throwable t) {
      WeftBridge.adviceFailed(t, api.module);
      return null;
    }
  }

  private void end() {
    if (!ended.compareAndSet(false, true)) {
      return;
    }
    int status = -1;
    try {
      status = (Integer) api.getStatus.invoke(response);
    } catch (Throwable ignored) {
      // Recorded with the error, or as no response (500), below.
    }
    WeftBridge.httpServer().end(handle, status, error, route);
  }

  /** The servlet API methods the listener calls, looked up once per AsyncListener interface. */
  private static final class Api {
    final Method getStatus;
    final Method getThrowable;
    final Method getAsyncContext;
    final Method addListener;
    final String module;

    Api(Class<?> listenerType) throws ReflectiveOperationException {
      String name = listenerType.getName();
      String pkg = name.substring(0, name.lastIndexOf('.'));
      ClassLoader loader = listenerType.getClassLoader();
      Class<?> event = Class.forName(pkg + ".AsyncEvent", false, loader);
      Class<?> context = Class.forName(pkg + ".AsyncContext", false, loader);
      Class<?> response = Class.forName(pkg + ".http.HttpServletResponse", false, loader);
      getStatus = response.getMethod("getStatus");
      getThrowable = event.getMethod("getThrowable");
      getAsyncContext = event.getMethod("getAsyncContext");
      addListener = context.getMethod("addListener", listenerType);
      module = pkg.startsWith("jakarta.") ? "servlet-jakarta" : "servlet-javax";
    }
  }
}
