package dev.weft.instrumentation.servlet.jakarta.app;

import java.util.function.IntSupplier;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ContextHandlerCollection;
import org.eclipse.jetty.servlet.ServletContextHandler;

/** Embedded Jetty 11 serving {@link TestApp}; compiled against Jetty 11.0.0. */
final class Jetty11Server implements IntSupplier, AutoCloseable {

  private final Server server;
  private final ServerConnector connector;

  Jetty11Server() throws Exception {
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

  // Jetty 11.0.0 accepts servlets through the ServletContext API only while the context starts.
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
    server.stop();
  }

  @Override
  public String toString() {
    return Server.getVersion();
  }
}
