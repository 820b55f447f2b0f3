package dev.weft.smoke.servlet;

import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.servlet.ServletContextHandler;

/** Embedded Jetty 9.4 serving {@link ServletApp}: {@code --port <port>}. */
public final class Jetty9Launcher {

  private Jetty9Launcher() {}

  public static void main(String[] args) throws Exception {
    int port = Launchers.port(args);
    Server server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    connector.setPort(port);
    server.addConnector(connector);
    // Jetty 9.4 accepts servlets through the ServletContext API only while the context starts.
    ServletContextHandler context =
        new ServletContextHandler() {
          @Override
          protected void startContext() throws Exception {
            ServletApp.register(getServletContext());
            super.startContext();
          }
        };
    context.setContextPath("/");
    server.setHandler(context);
    server.start();
    Launchers.ready("jetty " + Server.getVersion(), port);
    server.join();
  }
}
