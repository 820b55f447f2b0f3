package dev.weft.runtime.install;

import dev.weft.runtime.core.WeftLog;
import io.opentelemetry.javaagent.extension.instrumentation.InstrumentationModule;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;

/**
 * Finds instrumentation modules: those bundled in the agent jar (ServiceLoader in Weft's class
 * loader) and those in the extension jars named by {@code weft.extensions}.
 */
public final class ModuleRegistry {

  private ModuleRegistry() {}

  public static List<LoadedModule> discover(
      ClassLoader weftLoader, List<File> extensions, Set<String> disabled) {
    List<LoadedModule> modules = new ArrayList<>();
    Iterator<InstrumentationModule> bundled =
        ServiceLoader.load(InstrumentationModule.class, weftLoader).iterator();
    while (true) {
      try {
        if (!bundled.hasNext()) {
          break;
        }
        InstrumentationModule m = bundled.next();
        modules.add(new LoadedModule(m, weftLoader, "bundled", enabled(m, disabled)));
      } catch (ServiceConfigurationError | LinkageError e) {
        WeftLog.error("a bundled module could not be loaded and is skipped: " + e);
      }
    }
    for (File jar : extensions) {
      modules.addAll(loadExtension(jar, weftLoader, disabled));
    }
    modules.sort((a, b) -> Integer.compare(a.module().order(), b.module().order()));
    return Collections.unmodifiableList(modules);
  }

  /** Names that weft.modules.disabled mentions but no module carries: likely typos. */
  public static List<String> unknownNames(List<LoadedModule> modules, Set<String> disabled) {
    Set<String> known = new LinkedHashSet<>();
    for (LoadedModule m : modules) {
      known.addAll(m.module().instrumentationNames());
    }
    List<String> unknown = new ArrayList<>();
    for (String name : disabled) {
      if (!known.contains(name)) {
        unknown.add(name);
      }
    }
    return unknown;
  }

  private static boolean enabled(InstrumentationModule m, Set<String> disabled) {
    for (String name : m.instrumentationNames()) {
      if (disabled.contains(name)) {
        return false;
      }
    }
    return m.defaultEnabled();
  }

  private static List<LoadedModule> loadExtension(
      File jar, ClassLoader weftLoader, Set<String> disabled) {
    List<LoadedModule> found = new ArrayList<>();
    // The service file carries the API's original name; Weft's copy of the API is relocated.
    String service = "META-INF/services/" + Relocation.original(InstrumentationModule.class.getName());
    try {
      ExtensionClassLoader loader = new ExtensionClassLoader(jar, weftLoader);
      List<String> classNames = readServiceFile(loader, service);
      if (classNames.isEmpty()) {
        WeftLog.warn("extension " + jar + " declares no instrumentation module (" + service + ")");
      }
      for (String className : classNames) {
        try {
          InstrumentationModule m =
              loader
                  .loadClass(className)
                  .asSubclass(InstrumentationModule.class)
                  .getDeclaredConstructor()
                  .newInstance();
          found.add(new LoadedModule(m, loader, jar.getPath(), enabled(m, disabled)));
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
          WeftLog.error(
              "extension module " + className + " in " + jar + " cannot be loaded and is skipped: " + e);
        }
      }
    } catch (IOException e) {
      WeftLog.error("extension " + jar + " cannot be read and is skipped: " + e);
    }
    return found;
  }

  private static List<String> readServiceFile(ExtensionClassLoader loader, String name)
      throws IOException {
    List<String> names = new ArrayList<>();
    try (InputStream in = loader.openRaw(name)) {
      if (in == null) {
        return names;
      }
      BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
      String line;
      while ((line = reader.readLine()) != null) {
        int hash = line.indexOf('#');
        String className = (hash >= 0 ? line.substring(0, hash) : line).trim();
        if (!className.isEmpty()) {
          names.add(className);
        }
      }
    }
    return names;
  }
}
