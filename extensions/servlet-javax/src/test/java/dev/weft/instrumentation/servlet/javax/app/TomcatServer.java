package dev.weft.instrumentation.servlet.javax.app;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Comparator;
import java.util.function.IntSupplier;
import java.util.stream.Stream;
import org.apache.catalina.Context;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.apache.catalina.util.ServerInfo;
import org.apache.catalina.webresources.TomcatURLStreamHandlerFactory;

/**
 * Embedded Tomcat serving {@link TestApp} on 127.0.0.1 and a free port, started by the
 * constructor. Compiled against the lowest Tomcat 9 and run against every Tomcat 9 the tests name
 * (the embedded API used here is the same in all of them).
 */
public final class TomcatServer implements IntSupplier, AutoCloseable {

  private final Path base;
  private final Tomcat tomcat;
  private final Connector connector;

  public TomcatServer() throws Exception {
    base = Files.createTempDirectory("weft-tomcat");
    // The JVM takes one URL stream handler factory, for its whole life: a Tomcat that set it
    // could never be unloaded, and the next one in another loader would fail to start.
    TomcatURLStreamHandlerFactory.disable();
    tomcat = new Tomcat();
    tomcat.setBaseDir(base.toString());
    connector = new Connector("HTTP/1.1");
    connector.setPort(0);
    connector.setProperty("address", "127.0.0.1");
    tomcat.getService().addConnector(connector);
    tomcat.setConnector(connector);
    Context root = tomcat.addContext("", base.toString());
    root.addServletContainerInitializer(
        (classes, context) -> TestApp.registerRoot(context), Collections.emptySet());
    Context shop = tomcat.addContext("/shop", base.toString());
    shop.addServletContainerInitializer(
        (classes, context) -> TestApp.registerShop(context), Collections.emptySet());
    tomcat.start();
  }

  @Override
  public int getAsInt() {
    return connector.getLocalPort();
  }

  @Override
  public void close() throws Exception {
    TestApp.stop();
    try {
      tomcat.stop();
      tomcat.destroy();
    } finally {
      try (Stream<Path> files = Files.walk(base)) {
        files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
      }
    }
  }

  /** The version running, as Tomcat reports it ("9.0.1.0"). */
  @Override
  public String toString() {
    return ServerInfo.getServerNumber();
  }
}
