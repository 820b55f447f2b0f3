package dev.weft.smoke.servlet;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import org.apache.catalina.Context;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;

/**
 * Embedded Tomcat serving {@link ServletApp}: {@code --port <port>}. Compiled against Tomcat 9;
 * the relocated copy in servlet-app-jakarta runs Tomcat 10.1 and 11, whose embedded API is the
 * same but for the servlet namespace.
 */
public final class TomcatLauncher {

  private TomcatLauncher() {}

  public static void main(String[] args) throws Exception {
    int port = Launchers.port(args);
    Path base = Files.createTempDirectory("tomcat-smoke");
    Tomcat tomcat = new Tomcat();
    tomcat.setBaseDir(base.toString());
    Connector connector = new Connector("HTTP/1.1");
    connector.setPort(port);
    connector.setProperty("address", "127.0.0.1");
    tomcat.getService().addConnector(connector);
    tomcat.setConnector(connector);
    Context context = tomcat.addContext("", base.toString());
    context.addServletContainerInitializer(
        (classes, servletContext) -> ServletApp.register(servletContext), Collections.emptySet());
    tomcat.start();
    Launchers.ready("tomcat " + org.apache.catalina.util.ServerInfo.getServerNumber(), port);
    tomcat.getServer().await();
  }
}
