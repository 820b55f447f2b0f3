package dev.weft.agent;

import java.io.File;
import java.lang.instrument.Instrumentation;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URISyntaxException;
import java.util.jar.JarFile;

/**
 * The agent jar's entry point: {@code premain} for {@code -javaagent}, {@code agentmain} for
 * attaching to a running JVM, {@code main} for {@code java -jar weft-agent.jar}.
 *
 * <p>This class is loaded by the system class loader, so it touches nothing but the JDK: it puts
 * the jar on the bootstrap search path (for the bridge), then creates {@link WeftClassLoader}
 * reflectively (so that the verifier never loads it through the system class loader) and hands
 * over to the runtime inside it. Any failure here is printed as one line and swallowed: the
 * application always starts.
 */
public final class WeftAgent {

  private static final String STARTER = "dev.weft.runtime.AgentStarter";
  private static final String CLI = "dev.weft.runtime.AgentCli";
  private static final String LOADER = "dev.weft.agent.WeftClassLoader";

  private WeftAgent() {}

  public static void premain(String agentArgs, Instrumentation inst) {
    start(agentArgs, inst, false);
  }

  public static void agentmain(String agentArgs, Instrumentation inst) {
    start(agentArgs, inst, true);
  }

  public static void main(String[] args) {
    int exit;
    try {
      File jar = agentJar();
      ClassLoader loader = newWeftClassLoader(jar, false);
      Method run = loader.loadClass(CLI).getMethod("run", String[].class, File.class);
      exit = (Integer) run.invoke(null, (Object) args, jar);
    } catch (InvocationTargetException e) {
      e.getCause().printStackTrace();
      exit = 1;
    } catch (Throwable t) {
      t.printStackTrace();
      exit = 1;
    }
    System.exit(exit);
  }

  private static void start(String agentArgs, Instrumentation inst, boolean attached) {
    try {
      File jar = agentJar();
      JarFile jarFile = new JarFile(jar);
      boolean appended = false;
      if (!BootstrapBridge.define(inst, jarFile)) {
        // The JVM then turns class-data sharing off for non-boot classes and says so on stdout.
        inst.appendToBootstrapClassLoaderSearch(jarFile);
        appended = true;
      }
      ClassLoader loader = newWeftClassLoader(jar, appended);
      Method start =
          loader
              .loadClass(STARTER)
              .getMethod("start", Instrumentation.class, String.class, File.class, boolean.class);
      start.invoke(null, inst, agentArgs, jar, attached);
    } catch (InvocationTargetException e) {
      System.err.println("[weft] ERROR Weft could not start and is off: " + e.getCause());
    } catch (Throwable t) {
      System.err.println("[weft] ERROR Weft could not start and is off: " + t);
    }
  }

  private static ClassLoader newWeftClassLoader(File jar, boolean jarOnBootstrapPath)
      throws ReflectiveOperationException {
    // Through the bootstrap copy when the jar is on the bootstrap path, so that there is exactly
    // one WeftClassLoader class in the JVM whatever loaded this entry point.
    Class<?> type =
        jarOnBootstrapPath
            ? Class.forName(LOADER, true, null)
            : Class.forName(LOADER, true, WeftAgent.class.getClassLoader());
    return (ClassLoader) type.getConstructor(File.class).newInstance(jar);
  }

  private static File agentJar() throws URISyntaxException {
    return new File(WeftAgent.class.getProtectionDomain().getCodeSource().getLocation().toURI());
  }
}
