package dev.weft.runtime;

import dev.weft.runtime.core.config.ConfigKey;
import dev.weft.runtime.dlq.cli.DlqCli;
import dev.weft.runtime.install.LoadedModule;
import dev.weft.runtime.install.ModuleRegistry;
import io.opentelemetry.javaagent.extension.instrumentation.internal.AgentDistributionConfig;
import java.io.File;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * {@code java -jar weft-agent.jar [modules | config | attach <pid> [key=value ...] | dlq ...]};
 * {@code dlq} is {@link DlqCli}.
 */
public final class AgentCli {

  private AgentCli() {}

  public static int run(String[] args, File agentJar) {
    PrintStream out = System.out;
    String command = args.length == 0 ? "modules" : args[0];
    switch (command) {
      case "modules":
      case "version":
        printModules(out);
        return 0;
      case "config":
        printConfig(out);
        return 0;
      case "attach":
        if (args.length < 2) {
          System.err.println("usage: java -jar weft-agent.jar attach <pid> [key=value ...]");
          return 2;
        }
        return attach(args, agentJar);
      case "dlq":
        return DlqCli.run(Arrays.copyOfRange(args, 1, args.length), agentJar);
      case "help":
      case "-h":
      case "--help":
        out.println(
            "usage: java -jar weft-agent.jar [modules | config | attach <pid> [key=value ...]"
                + " | dlq replay|inspect ...]");
        out.println("  modules   the version and the bundled instrumentation modules (default)");
        out.println("  config    every configuration key, its default and accepted values");
        out.println("  attach    start Weft in a running JVM; key=value pairs configure it");
        out.println("  dlq       replay a dead-letter topic's records to their topics, or inspect them");
        out.println("            as JSON lines; see dlq --help");
        return 0;
      default:
        System.err.println("unknown command '" + command + "'; try --help");
        return 2;
    }
  }

  private static void printModules(PrintStream out) {
    out.println("Weft " + AgentVersion.get());
    out.println();
    out.println("Bundled instrumentation modules:");
    AgentDistributionConfig.set(AgentDistributionConfig.create());
    List<LoadedModule> modules =
        ModuleRegistry.discover(
            AgentCli.class.getClassLoader(), Collections.emptyList(), Collections.emptySet());
    out.printf("  %-22s %-60s %s%n", "MODULE", "LIBRARY", "SUPPORTED VERSIONS");
    for (LoadedModule m : modules) {
      out.printf("  %-22s %-60s %s%n", m.name(), m.library(), m.versions());
    }
  }

  private static void printConfig(PrintStream out) {
    out.println("Weft " + AgentVersion.get() + " configuration keys");
    out.println("(system property, or WEFT_* environment variable, or weft.config.file)");
    for (ConfigKey key : ConfigKey.all()) {
      out.println();
      out.println("  " + key.key() + "  (env " + key.envName() + ")");
      out.println("    default:  " + key.defaultValue());
      out.println("    accepted: " + key.accepted());
      out.println("    " + key.description());
    }
  }

  /** Uses the JDK's attach API (module jdk.attach, in every JDK) through the system loader. */
  private static int attach(String[] args, File agentJar) {
    String pid = args[1];
    StringBuilder options = new StringBuilder();
    for (int i = 2; i < args.length; i++) {
      if (options.length() > 0) {
        options.append(';');
      }
      options.append(args[i]);
    }
    try {
      Class<?> vmClass =
          Class.forName("com.sun.tools.attach.VirtualMachine", true, ClassLoader.getSystemClassLoader());
      Object vm = vmClass.getMethod("attach", String.class).invoke(null, pid);
      try {
        Method load = vmClass.getMethod("loadAgent", String.class, String.class);
        load.invoke(vm, agentJar.getAbsolutePath(), options.toString());
      } finally {
        vmClass.getMethod("detach").invoke(vm);
      }
      System.out.println("Weft attached to JVM " + pid + "; its log lines start with [weft]");
      return 0;
    } catch (ClassNotFoundException e) {
      System.err.println(
          "cannot attach: this Java runtime has no attach API (module jdk.attach); run the"
              + " command with a full JDK");
      return 1;
    } catch (java.lang.reflect.InvocationTargetException e) {
      System.err.println("cannot attach to JVM " + pid + ": " + e.getCause());
      return 1;
    } catch (ReflectiveOperationException | RuntimeException e) {
      System.err.println("cannot attach to JVM " + pid + ": " + e);
      return 1;
    }
  }
}
