package dev.weft.smoke.it;

import java.nio.file.Path;
import java.time.Duration;

/** Launches the smoke services the way a user would. */
public final class Services {

  /** Generous: 2 cores may be busy with the build while a JVM and the agent start. */
  public static final Duration STARTUP = Duration.ofSeconds(60);

  /**
   * The JDK server closes a keep-alive connection after 30 s idle, while the tests' client keeps
   * it for 20 minutes. A request sent on it just as the server's idle timer fires can be read and
   * handled, its response lost with the closing socket, and the client then retries the GET: the
   * server really handled one request more than the test sent (20,001 of 20,000 in one CI run).
   * With the server's idle limit above any test's length, that race cannot happen.
   */
  static final String KEEP_IDLE_CONNECTIONS = "-Dsun.net.httpserver.idleInterval=3600";

  private Services() {}

  /**
   * Starts {@code jdk-http-service --port <appPort>} with {@code java} and, if {@code withAgent},
   * {@code -javaagent:weft-agent.jar}; returns once the service printed its listening line.
   */
  public static ServiceProcess jdkHttpService(
      String name, Path java, boolean withAgent, int appPort, String... jvmArgs) {
    ServiceProcess.Builder builder = ServiceProcess.builder(name).java(java);
    if (withAgent) {
      builder.agent(SmokeEnv.agentJar());
    }
    return jdkHttpService(builder.jvmArgs(KEEP_IDLE_CONNECTIONS).jvmArgs(jvmArgs), appPort);
  }

  /**
   * Runs jdk-http-service on {@code appPort} with what {@code builder} already holds (JVM,
   * agent, flags, environment); returns once the service printed its listening line, and stops
   * it if it never does.
   */
  public static ServiceProcess jdkHttpService(ServiceProcess.Builder builder, int appPort) {
    ServiceProcess service =
        builder.jar(SmokeEnv.jdkHttpServiceJar()).args("--port", Integer.toString(appPort)).start();
    try {
      service.awaitStdoutLine("jdk-http-service listening on http://127.0.0.1:" + appPort, STARTUP);
    } catch (RuntimeException | Error e) {
      service.close();
      throw e;
    }
    return service;
  }

  /** What netty-service prints once it listens, followed by its port. */
  static final String NETTY_LISTENING = "netty-service listening on http://127.0.0.1:";

  /**
   * Runs netty-service on a port of its own choosing (it binds port 0) with what {@code builder}
   * already holds; returns once it printed its listening line (read the port with {@link
   * #nettyServicePort}), and stops it if it never does.
   */
  public static ServiceProcess nettyService(ServiceProcess.Builder builder) {
    return nettyService(builder, "netty-service");
  }

  /** As {@link #nettyService(ServiceProcess.Builder)}, for {@code netty-service} or {@code netty-41-service}. */
  public static ServiceProcess nettyService(ServiceProcess.Builder builder, String module) {
    ServiceProcess service =
        builder.jar(SmokeEnv.nettyServiceJar(module)).args("--port", "0").start();
    try {
      nettyServicePort(service);
    } catch (RuntimeException | Error e) {
      service.close();
      throw e;
    }
    return service;
  }

  /** The port netty-service printed in its listening line; waits up to {@link #STARTUP}. */
  public static int nettyServicePort(ServiceProcess service) {
    return printedPort(service, "netty-service", NETTY_LISTENING);
  }

  /** What webflux-service (either Boot line) prints once it listens, followed by its port. */
  static final String WEBFLUX_LISTENING = "webflux-service listening on http://127.0.0.1:";

  /**
   * Runs a WebFlux smoke service ({@code webflux-service} or {@code webflux-4-service}, see {@link
   * SmokeEnv#webfluxServiceJar}) with what {@code builder} already holds; it binds port 0 (its
   * application.properties) and prints its port once ready (read it with {@link
   * #webfluxServicePort}). Stops it if it never does.
   */
  public static ServiceProcess webfluxService(ServiceProcess.Builder builder, String module) {
    ServiceProcess service = builder.jar(SmokeEnv.webfluxServiceJar(module)).start();
    try {
      webfluxServicePort(service);
    } catch (RuntimeException | Error e) {
      service.close();
      throw e;
    }
    return service;
  }

  /** The port a WebFlux smoke service printed once ready; waits up to {@link #STARTUP}. */
  public static int webfluxServicePort(ServiceProcess service) {
    return printedPort(service, "webflux-service", WEBFLUX_LISTENING);
  }

  /** What vertx-service (either Vert.x line) prints once it listens, followed by its port. */
  static final String VERTX_LISTENING = "vertx-service listening on http://127.0.0.1:";

  /**
   * Runs a Vert.x smoke service ({@code vertx-service} or {@code vertx-5-service}, see {@link
   * SmokeEnv#vertxServiceJar}) with what {@code builder} already holds, on a free port; read the
   * port with {@link #vertxServicePort}. Stops it if it never prints it.
   */
  public static ServiceProcess vertxService(ServiceProcess.Builder builder, String module) {
    ServiceProcess service =
        builder.jar(SmokeEnv.vertxServiceJar(module)).args("--port", "0").start();
    try {
      vertxServicePort(service);
    } catch (RuntimeException | Error e) {
      service.close();
      throw e;
    }
    return service;
  }

  /** The port a Vert.x smoke service printed once ready; waits up to {@link #STARTUP}. */
  public static int vertxServicePort(ServiceProcess service) {
    return printedPort(service, "vertx-service", VERTX_LISTENING);
  }

  /** What gateway-service prints once it listens, followed by its port. */
  static final String GATEWAY_LISTENING = "gateway-service listening on http://127.0.0.1:";

  /** Runs gateway-service with what {@code builder} already holds (see {@link #webfluxService}). */
  public static ServiceProcess gatewayService(ServiceProcess.Builder builder) {
    ServiceProcess service = builder.jar(SmokeEnv.gatewayServiceJar()).start();
    try {
      gatewayServicePort(service);
    } catch (RuntimeException | Error e) {
      service.close();
      throw e;
    }
    return service;
  }

  /** The port gateway-service printed once ready; waits up to {@link #STARTUP}. */
  public static int gatewayServicePort(ServiceProcess service) {
    return printedPort(service, "gateway-service", GATEWAY_LISTENING);
  }

  /** What boot4-service prints once it listens, followed by its port. */
  static final String BOOT4_LISTENING = "boot4-service listening on http://127.0.0.1:";

  /**
   * Runs boot4-service with what {@code builder} already holds (JVM, agent, flags, the service's
   * {@code --app.*} arguments); it binds a port of its own and prints it once ready (read it with
   * {@link #boot4ServicePort}). Stops it if it never does.
   */
  public static ServiceProcess boot4Service(ServiceProcess.Builder builder) {
    ServiceProcess service = builder.jar(SmokeEnv.boot4ServiceJar()).start();
    try {
      boot4ServicePort(service);
    } catch (RuntimeException | Error e) {
      service.close();
      throw e;
    }
    return service;
  }

  /** The port boot4-service printed once ready; waits up to {@link #STARTUP}. */
  public static int boot4ServicePort(ServiceProcess service) {
    return printedPort(service, "boot4-service", BOOT4_LISTENING);
  }

  private static int printedPort(ServiceProcess service, String name, String listening) {
    String line =
        Poll.untilValue(
            Poll.deadline(STARTUP),
            () -> {
              service.requireAlive("printing '" + listening + "<port>'");
              return service.stdoutLines().stream()
                  .filter(l -> l.startsWith(listening))
                  .findFirst()
                  .orElse(null);
            },
            l -> l != null,
            l -> name + " did not print '" + listening + "<port>' within " + STARTUP
                + "\n" + service.describe());
    return Integer.parseInt(line.substring(listening.length()).trim());
  }
}
