package dev.weft.smoke.servlet.jetty12;

import dev.weft.smoke.servlet.Launchers;
import dev.weft.smoke.servlet.ServletApp;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/** Embedded Jetty 12 (ee10, jakarta.servlet 6) serving the relocated ServletApp. */
public final class Jetty12Launcher {

  private Jetty12Launcher() {}

  public static void main(String[] args) throws Exception {
    int port = Launchers.port(args);
    Server server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    connector.setPort(port);
    server.addConnector(connector);
    ServletContextHandler context = new ServletContextHandler();
    context.setContextPath("/");
    ServletApp.register(context.getServletContext());
    server.setHandler(context);
    server.start();
    Launchers.ready("jetty " + Server.getVersion(), port);
    server.join();
  }
}
