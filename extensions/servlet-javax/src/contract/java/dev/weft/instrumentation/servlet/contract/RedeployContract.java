package dev.weft.instrumentation.servlet.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.weft.testing.WeftAgentExtension;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A web application deployed, served and undeployed again and again leaks nothing through Weft:
 * each round starts the container and the application in a class loader of their own, serves
 * requests Weft records (routes, metrics, spans), stops them and lets the loader go. Every one of
 * those loaders must be collected: anything of the application that Weft kept (a servlet context
 * as a map key, a class, a thread's context loader) would keep its whole loader, and so its
 * classes and metaspace, alive.
 *
 * <p>{@value #ROUNDS} rounds per container in CI; {@code -Dweft.test.redeploys=50} (the long form
 * of tools/run-long-tests) for more.
 */
public abstract class RedeployContract {

  static final int ROUNDS = 3;
  static final int REQUESTS_PER_ROUND = 20;

  protected abstract WeftAgentExtension weft();

  protected abstract String containerName();

  protected abstract String launcher();

  @Test
  void undeployedApplicationsAreCollected() throws Exception {
    int rounds = Integer.getInteger("weft.test.redeploys", ROUNDS);
    List<WeakReference<ClassLoader>> loaders = new ArrayList<>();
    long unloadedBefore = ManagementFactory.getClassLoadingMXBean().getUnloadedClassCount();
    long metaspaceBefore = metaspaceAfterGc();
    String[] ok = {"method", "GET", "endpoint", "/api/*", "status", "200"};
    double counted = weft().counter("http_requests_total", ok);
    for (int round = 0; round <= rounds; round++) {
      ClassLoader loader = serveOneRound();
      // The last deployment is not watched: Tomcat 11 keeps the loader of the last one it
      // started (it does so without Weft: see RELIABILITY.md), so one more takes that place.
      if (round < rounds) {
        loaders.add(new WeakReference<>(loader));
      }
      counted += REQUESTS_PER_ROUND;
      assertEquals(counted, weft().awaitCounter("http_requests_total", counted, ok), "round " + round);
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    int alive;
    do {
      System.gc();
      Thread.sleep(50);
      alive = 0;
      for (WeakReference<ClassLoader> loader : loaders) {
        if (loader.get() != null) {
          alive++;
        }
      }
    } while (alive > 0 && System.nanoTime() < deadline);
    long metaspaceAfter = metaspaceAfterGc();
    System.out.printf(
        "%s: %d redeploys, %d loaders still reachable, %d classes unloaded, metaspace %.1f -> %.1f MB%n",
        containerName(), rounds, alive,
        ManagementFactory.getClassLoadingMXBean().getUnloadedClassCount() - unloadedBefore,
        metaspaceBefore / 1048576.0, metaspaceAfter / 1048576.0);
    assertEquals(0, alive, alive + " of " + rounds
        + " undeployed applications' loaders are still reachable: " + holders(loaders));
    assertEquals(0, weft().counter("weft_agent_errors_total", "module", module()));
  }

  protected abstract String module();

  /** The rounds whose loaders live on, and the threads that run with them or their classes. */
  private static String holders(List<WeakReference<ClassLoader>> loaders) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < loaders.size(); i++) {
      ClassLoader loader = loaders.get(i).get();
      if (loader == null) {
        continue;
      }
      out.append("round ").append(i).append(" [");
      for (Thread t : Thread.getAllStackTraces().keySet()) {
        if (t.getContextClassLoader() == loader || t.getClass().getClassLoader() == loader) {
          out.append(t.getName()).append(" (").append(t.getClass().getName()).append(") ");
        }
      }
      out.append("] ");
    }
    for (javax.management.ObjectName name :
        ManagementFactory.getPlatformMBeanServer().queryNames(null, null)) {
      String domain = name.getDomain();
      if (!domain.startsWith("java.") && !domain.startsWith("jdk.") && !domain.startsWith("com.sun")) {
        out.append("mbean ").append(name).append(' ');
      }
    }
    return out.toString();
  }

  /** One deployment: started, served, stopped; returns its loader, no longer used. */
  private ClassLoader serveOneRound() throws Exception {
    try (Container container = Container.start(containerName(), launcher())) {
      for (int i = 0; i < REQUESTS_PER_ROUND; i++) {
        String traceparent = i % 2 == 0 ? null : "00-0af7651916cd43dd8448eb211c80319c-b7ad6b716920333" + (i % 10) + "-01";
        assertEquals(200, RawHttp.send(container.port(), "GET", "/api/items/" + i, traceparent));
      }
      return container.loader();
    }
  }

  private static long metaspaceAfterGc() {
    System.gc();
    long used = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getName().equals("Metaspace")) {
        used = pool.getUsage().getUsed();
      }
    }
    return used;
  }
}
