package dev.weft.smoke.servlet;

/** What every launcher shares: the port argument and the line the tests wait for. */
public final class Launchers {

  private Launchers() {}

  public static int port(String[] args) {
    for (int i = 0; i + 1 < args.length; i++) {
      if (args[i].equals("--port")) {
        return Integer.parseInt(args[i + 1]);
      }
    }
    throw new IllegalArgumentException("usage: --port <port>");
  }

  public static void ready(String container, int port) {
    System.out.println("container: " + container);
    System.out.println("servlet-service listening on http://127.0.0.1:" + port);
    System.out.flush();
  }
}
