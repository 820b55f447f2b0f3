package dev.weft.instrumentation.servlet.jakarta.app;

import jakarta.servlet.ServletContext;
import java.lang.reflect.Array;
import java.util.function.IntSupplier;

/**
 * Embedded Jetty 12 (ee10) serving {@link TestApp}. Written with reflection: Jetty 12's server
 * classes have the names of Jetty 11's, which the tests compile against, with another API, so
 * the two cannot both be on the compile class path. Only the servlet API is typed.
 */
final class Jetty12Server implements IntSupplier, AutoCloseable {

  private final ClassLoader loader = Jetty12Server.class.getClassLoader();
  private final Object server;
  private final Object connector;

  Jetty12Server() throws Exception {
    this(false);
  }

  /**
   * @param virtualThreads run the requests on virtual threads: the server's
   *     {@code QueuedThreadPool} is given {@code Executors.newVirtualThreadPerTaskExecutor()} as
   *     its virtual threads executor (Jetty 12; JDK 21+), on which Jetty runs the blocking tasks,
   *     the servlet calls among them
   */
  Jetty12Server(boolean virtualThreads) throws Exception {
    Class<?> serverType = type("org.eclipse.jetty.server.Server");
    if (virtualThreads) {
      Class<?> poolType = type("org.eclipse.jetty.util.thread.QueuedThreadPool");
      Object pool = poolType.getConstructor().newInstance();
      Object executor =
          java.util.concurrent.Executors.class
              .getMethod("newVirtualThreadPerTaskExecutor")
              .invoke(null);
      call(pool, "setVirtualThreadsExecutor", java.util.concurrent.Executor.class, executor);
      server =
          serverType
              .getConstructor(type("org.eclipse.jetty.util.thread.ThreadPool"))
              .newInstance(pool);
    } else {
      server = serverType.getConstructor().newInstance();
    }
    connector =
        type("org.eclipse.jetty.server.ServerConnector")
            .getConstructor(serverType)
            .newInstance(server);
    call(connector, "setHost", String.class, "127.0.0.1");
    call(connector, "setPort", int.class, 0);
    call(server, "addConnector", type("org.eclipse.jetty.server.Connector"), connector);

    Class<?> contextType = type("org.eclipse.jetty.ee10.servlet.ServletContextHandler");
    Object root = contextType.getConstructor().newInstance();
    call(root, "setContextPath", String.class, "/");
    // Jetty 12 takes servlets through the ServletContext API before the context starts.
    TestApp.registerRoot((ServletContext) call(root, "getServletContext"));
    Object shop = contextType.getConstructor().newInstance();
    call(shop, "setContextPath", String.class, "/shop");
    TestApp.registerShop((ServletContext) call(shop, "getServletContext"));

    Class<?> contextHandler = type("org.eclipse.jetty.server.handler.ContextHandler");
    Object both = Array.newInstance(contextHandler, 2);
    Array.set(both, 0, root);
    Array.set(both, 1, shop);
    Object contexts =
        type("org.eclipse.jetty.server.handler.ContextHandlerCollection")
            .getConstructor(both.getClass())
            .newInstance(both);
    call(server, "setHandler", type("org.eclipse.jetty.server.Handler"), contexts);
    server.getClass().getMethod("start").invoke(server);
  }

  private Class<?> type(String name) throws ClassNotFoundException {
    return Class.forName(name, false, loader);
  }

  private static Object call(Object target, String method) throws Exception {
    return target.getClass().getMethod(method).invoke(target);
  }

  private static Object call(Object target, String method, Class<?> type, Object argument)
      throws Exception {
    return target.getClass().getMethod(method, type).invoke(target, argument);
  }

  @Override
  public int getAsInt() {
    try {
      return (Integer) call(connector, "getLocalPort");
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() throws Exception {
    call(server, "stop");
  }

  @Override
  public String toString() {
    try {
      return (String) type("org.eclipse.jetty.server.Server").getMethod("getVersion").invoke(null);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
