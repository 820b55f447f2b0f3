package dev.weft.instrumentation.http.client.jdk;

import dev.weft.bootstrap.WeftBridge;
import java.lang.reflect.Method;
import java.util.concurrent.CompletionException;
import java.util.function.BiConsumer;

/**
 * Ends the call of a {@code java.net.http.HttpClient#sendAsync} when the future the application
 * got completes. The advice attaches it with {@code whenComplete}, so the application's future is
 * untouched.
 *
 * <p>This class is defined by the boot loader, which cannot see {@code java.net.http} (a platform
 * loader module): the status is read through {@code HttpResponse#statusCode}, looked up once by
 * reflection on the exported interface.
 */
public final class JdkHttpClientCallback implements BiConsumer<Object, Throwable> {

  static final String MODULE = "http-client-jdk";
  private static volatile Method statusCode;

  private final Object handle;

  public JdkHttpClientCallback(Object handle) {
    this.handle = handle;
  }

  @Override
  public void accept(Object response, Throwable failure) {
    int status = -1;
    Throwable error = null;
    try {
      if (response != null) {
        status = statusCode(response);
      } else {
        error = failure;
        if (error instanceof CompletionException && error.getCause() != null) {
          error = error.getCause();
        }
      }
    } catch (Throwable t) {
      WeftBridge.adviceFailed(t, MODULE);
    }
    WeftBridge.operations().end(handle, status, error);
  }

  static int statusCode(Object response) throws ReflectiveOperationException {
    Method m = statusCode;
    if (m == null) {
      m =
          Class.forName("java.net.http.HttpResponse", false, response.getClass().getClassLoader())
              .getMethod("statusCode");
      statusCode = m;
    }
    return (Integer) m.invoke(response);
  }
}
