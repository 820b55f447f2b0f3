package dev.weft.instrumentation.servlet.jakarta.app;

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
 * constructor. Compiled against Tomcat 10.1.0 and run against Tomcat 10.1 and 11
 * (the embedded API used here is the same in all of them).
 */
public final class TomcatServer implements IntSupplier, AutoCloseable {

  private final Path base;
  private final Tomcat tomcat;
  private final Connector connector;

  public TomcatServer() throws Exception {
    this(false);
  }

  /**
   * @param virtualThreads run every request on a virtual thread of its own: the connector's
   *     protocol handler's {@code useVirtualThreads} (Tomcat 11 and 10.1.x since 10.1.25; JDK 21+),
   *     with which Tomcat uses its {@code VirtualThreadExecutor}
   */
  TomcatServer(boolean virtualThreads) throws Exception {
    base = Files.createTempDirectory("weft-tomcat");
    // The JVM takes one URL stream handler factory, for its whole life: a Tomcat that set it
    // could never be unloaded, and the next one in another loader would fail to start.
    TomcatURLStreamHandlerFactory.disable();
    tomcat = new Tomcat();
    tomcat.setBaseDir(base.toString());
    connector = new Connector("HTTP/1.1");
    connector.setPort(0);
    connector.setProperty("address", "127.0.0.1");
    if (virtualThreads && !connector.setProperty("useVirtualThreads", "true")) {
      throw new IllegalStateException(
          "Tomcat " + ServerInfo.getServerNumber() + " has no useVirtualThreads");
    }
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

  /** {@link TomcatServer} with every request on a virtual thread: the launcher of that test. */
  public static final class OnVirtualThreads implements IntSupplier, AutoCloseable {
    private final TomcatServer server;

    public OnVirtualThreads() throws Exception {
      server = new TomcatServer(true);
    }

    @Override
    public int getAsInt() {
      return server.getAsInt();
    }

    @Override
    public void close() throws Exception {
      server.close();
    }

    @Override
    public String toString() {
      return server.toString();
    }
  }

  /** The version running, as Tomcat reports it ("10.1.0.0"). */
  @Override
  public String toString() {
    return ServerInfo.getServerNumber();
  }
}
