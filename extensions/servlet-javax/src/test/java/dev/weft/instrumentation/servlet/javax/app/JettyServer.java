package dev.weft.instrumentation.servlet.javax.app;

import java.util.function.IntSupplier;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ContextHandlerCollection;
import org.eclipse.jetty.servlet.ServletContextHandler;

/**
 * Embedded Jetty serving {@link TestApp} on 127.0.0.1 and a free port, started by the
 * constructor. Compiled against Jetty 9.4.0 and run against 9.4 and 10 (the embedded API used here
 * is the same in both).
 */
public final class JettyServer implements IntSupplier, AutoCloseable {

  private final Server server;
  private final ServerConnector connector;

  public JettyServer() throws Exception {
    server = new Server();
    connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    server.addConnector(connector);
    ContextHandlerCollection contexts = new ContextHandlerCollection();
    contexts.setHandlers(new Handler[] {root(), shop()});
    server.setHandler(contexts);
    server.start();
  }

  // Jetty 9.4 accepts servlets through the ServletContext API only while the context starts.
  private static ServletContextHandler root() {
    ServletContextHandler context =
        new ServletContextHandler() {
          @Override
          protected void startContext() throws Exception {
            TestApp.registerRoot(getServletContext());
            super.startContext();
          }
        };
    context.setContextPath("/");
    return context;
  }

  private static ServletContextHandler shop() {
    ServletContextHandler context =
        new ServletContextHandler() {
          @Override
          protected void startContext() throws Exception {
            TestApp.registerShop(getServletContext());
            super.startContext();
          }
        };
    context.setContextPath("/shop");
    return context;
  }

  @Override
  public int getAsInt() {
    return connector.getLocalPort();
  }

  @Override
  public void close() throws Exception {
    TestApp.stop();
    server.stop();
  }

  /** The version running, as Jetty reports it ("9.4.0.v20161208"). */
  @Override
  public String toString() {
    return Server.getVersion();
  }
}
