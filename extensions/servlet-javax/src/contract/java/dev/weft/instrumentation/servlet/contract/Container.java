package dev.weft.instrumentation.servlet.contract;

import java.io.File;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntSupplier;

/**
 * A servlet container and the test application, running in a class loader of their own: the
 * container's jars (copied by maven-dependency-plugin to {@code ${weft.test.containers}/<name>/})
 * and the test classes (where the application and the launchers are), with the platform class
 * loader as parent, so nothing of theirs comes from the test class path.
 *
 * <p>Why: in this JVM Weft's runtime is loaded from the test class path, and Weft leaves out an
 * HTTP server whose dispatching object comes from Weft's own class loader (that is its /metrics
 * server). The servlet advice hands the recorder the container's filter chain (or the servlet),
 * so a container loaded from the test class path would not be counted at all. In an application
 * the container never shares Weft's loader; here it is made not to.
 *
 * <p>A launcher is a class of the application with a public no-argument constructor that starts
 * the server on 127.0.0.1 and a free port, {@code getAsInt()} for the port, {@code close()} to stop
 * and {@code toString()} for the container's own version string: JDK types only, so that the test
 * can use it across the loaders.
 */
final class Container implements AutoCloseable {

  private final URLClassLoader loader;
  private final AutoCloseable server;
  private final int port;
  private final String version;

  private Container(URLClassLoader loader, Object server) {
    this.loader = loader;
    this.server = (AutoCloseable) server;
    this.port = ((IntSupplier) server).getAsInt();
    this.version = server.toString();
  }

  /**
   * Starts the container {@code name} ("tomcat", "jetty") with the launcher class {@code launcher}
   * and checks that the version running is the one the surefire execution names in {@code
   * weft.test.<name>.version}.
   */
  static Container start(String name, String launcher) throws Exception {
    File dir = new File(required("weft.test.containers"), name);
    File[] jars = dir.listFiles((d, file) -> file.endsWith(".jar"));
    if (jars == null || jars.length == 0) {
      throw new IllegalStateException(
          "no container jars in " + dir + " (maven-dependency-plugin copies them before the tests)");
    }
    Arrays.sort(jars);
    List<URL> urls = new ArrayList<>();
    for (File jar : jars) {
      urls.add(jar.toURI().toURL());
    }
    urls.add(Container.class.getProtectionDomain().getCodeSource().getLocation());
    URLClassLoader loader =
        new URLClassLoader(
            "weft-test-" + name, urls.toArray(new URL[0]), ClassLoader.getPlatformClassLoader());
    Thread thread = Thread.currentThread();
    ClassLoader previous = thread.getContextClassLoader();
    thread.setContextClassLoader(loader); // as a container's own start-up would have it
    Container container;
    try {
      container =
          new Container(loader, loader.loadClass(launcher).getConstructor().newInstance());
    } catch (Exception | Error e) {
      loader.close();
      throw e;
    } finally {
      thread.setContextClassLoader(previous);
    }
    String expected = required("weft.test." + name + ".version");
    if (!container.version.startsWith(expected)) {
      container.close();
      throw new IllegalStateException(
          name + " " + container.version + " is running where " + expected + " was expected");
    }
    return container;
  }

  private static String required(String property) {
    String value = System.getProperty(property);
    if (value == null || value.isEmpty()) {
      throw new IllegalStateException(
          "system property " + property + " is not set (the module's surefire executions set it)");
    }
    return value;
  }

  int port() {
    return port;
  }

  /** The container's own version string. */
  String version() {
    return version;
  }

  /** The loader the container and the application run in. */
  ClassLoader loader() {
    return loader;
  }

  @Override
  public void close() throws Exception {
    try {
      server.close();
    } finally {
      loader.close();
    }
  }
}
