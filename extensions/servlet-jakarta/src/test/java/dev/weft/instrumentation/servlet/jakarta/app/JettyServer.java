package dev.weft.instrumentation.servlet.jakarta.app;

import java.util.function.IntSupplier;

/**
 * Embedded Jetty serving {@link TestApp} on 127.0.0.1 and a free port, started by the
 * constructor: Jetty 11 ({@link Jetty11Server}) or Jetty 12 ee10 ({@link Jetty12Server}),
 * whichever this class loader holds.
 */
public final class JettyServer implements IntSupplier, AutoCloseable {

  private final IntSupplier port;
  private final AutoCloseable server;

  public JettyServer() throws Exception {
    this(false);
  }

  private JettyServer(boolean virtualThreads) throws Exception {
    if (virtualThreads) {
      Jetty12Server jetty = new Jetty12Server(true);
      port = jetty;
      server = jetty;
    } else if (JettyServer.class.getClassLoader()
            .getResource("org/eclipse/jetty/ee10/servlet/ServletContextHandler.class")
        != null) {
      Jetty12Server jetty = new Jetty12Server();
      port = jetty;
      server = jetty;
    } else {
      Jetty11Server jetty = new Jetty11Server();
      port = jetty;
      server = jetty;
    }
  }

  @Override
  public int getAsInt() {
    return port.getAsInt();
  }

  @Override
  public void close() throws Exception {
    TestApp.stop();
    server.close();
  }

  /** Jetty 12 with the requests on virtual threads: the launcher of that test. */
  public static final class OnVirtualThreads implements IntSupplier, AutoCloseable {
    private final JettyServer server;

    public OnVirtualThreads() throws Exception {
      server = new JettyServer(true);
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

  /** The version running, as Jetty reports it ("11.0.0", "12.1.14"). */
  @Override
  public String toString() {
    return server.toString();
  }
}
