package dev.weft.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Set;

/**
 * Free loopback ports for the test servers of one JVM, none handed out twice. A port the system
 * gives to {@code bind(0)} is free only until somebody binds it: two callers that each ask and
 * close at once (the Kafka broker's ports, a service's metrics port) can be given the same one,
 * and the second server to start fails with "address in use".
 */
public final class FreePorts {

  private static final Set<Integer> GIVEN = new HashSet<>();

  private FreePorts() {}

  /** A loopback port that is free now and that this JVM has not handed out before. */
  public static synchronized int next() {
    for (int attempt = 0; attempt < 1000; attempt++) {
      int port;
      try (ServerSocket socket = new ServerSocket()) {
        socket.setReuseAddress(true);
        socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        port = socket.getLocalPort();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot find a free loopback port", e);
      }
      if (GIVEN.add(port)) {
        return port;
      }
    }
    throw new IllegalStateException("every free loopback port offered was handed out before");
  }
}
