package dev.weft.agent;

import java.io.IOException;
import java.io.InputStream;
import java.lang.instrument.Instrumentation;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.security.ProtectionDomain;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

/**
 * Defines the bridge classes ({@code dev/weft/bootstrap/}) directly in the bootstrap class
 * loader, instead of appending the whole agent jar to the bootstrap search path. Appending makes
 * the JVM switch class-data sharing off for every class outside the boot loader and print "Sharing
 * is only supported for boot loader classes because bootstrap classpath has been appended" on the
 * application's standard output; defining four small classes does neither.
 *
 * <p>It uses the JDK's own native define method for the boot loader, reached by opening
 * {@code java.lang} to this module through {@link Instrumentation#redefineModule}. If anything
 * about that is not as expected (another JDK), it returns false and the caller appends the jar as
 * before: the agent works either way.
 */
final class BootstrapBridge {

  private static final String PREFIX = "dev/weft/bootstrap/";

  private BootstrapBridge() {}

  static boolean define(Instrumentation inst, JarFile jar) {
    try {
      Module javaBase = Object.class.getModule();
      Module self = BootstrapBridge.class.getModule();
      inst.redefineModule(
          javaBase,
          Set.of(),
          Map.of(),
          Map.of("java.lang", Set.of(self)),
          Set.of(),
          Map.of());
      MethodHandle defineClass1 =
          MethodHandles.privateLookupIn(ClassLoader.class, MethodHandles.lookup())
              .findStatic(
                  ClassLoader.class,
                  "defineClass1",
                  MethodType.methodType(
                      Class.class,
                      ClassLoader.class,
                      String.class,
                      byte[].class,
                      int.class,
                      int.class,
                      ProtectionDomain.class,
                      String.class));
      List<String[]> pending = bridgeClasses(jar);
      String source = jar.getName();
      // Supertypes must exist before their subtypes: define what can be defined, then retry.
      while (!pending.isEmpty()) {
        List<String[]> failed = new ArrayList<>();
        for (String[] entry : pending) {
          String name = entry[0];
          if (alreadyInBootLoader(name)) {
            continue;
          }
          byte[] bytes = read(jar, entry[1]);
          try {
            Class<?> defined =
                (Class<?>) defineClass1.invoke(null, name, bytes, 0, bytes.length, null, source);
            if (defined.getClassLoader() != null) {
              return false;
            }
          } catch (NoClassDefFoundError missingSupertype) {
            failed.add(entry);
          }
        }
        if (failed.size() == pending.size()) {
          return false;
        }
        pending = failed;
      }
      return alreadyInBootLoader("dev.weft.bootstrap.WeftBridge");
    } catch (Throwable t) {
      return false;
    }
  }

  private static boolean alreadyInBootLoader(String name) {
    try {
      return Class.forName(name, false, null) != null;
    } catch (ClassNotFoundException e) {
      return false;
    }
  }

  /** {class name, entry name} of every bridge class, top-level classes first. */
  private static List<String[]> bridgeClasses(JarFile jar) {
    List<String[]> classes = new ArrayList<>();
    for (Enumeration<JarEntry> e = jar.entries(); e.hasMoreElements(); ) {
      String entry = e.nextElement().getName();
      if (entry.startsWith(PREFIX) && entry.endsWith(".class")) {
        String name = entry.substring(0, entry.length() - ".class".length()).replace('/', '.');
        classes.add(new String[] {name, entry});
      }
    }
    Collections.sort(
        classes,
        (a, b) -> {
          int nested = Boolean.compare(a[0].contains("$"), b[0].contains("$"));
          return nested != 0 ? nested : a[0].compareTo(b[0]);
        });
    return classes;
  }

  private static byte[] read(JarFile jar, String entry) throws IOException {
    try (InputStream in = jar.getInputStream(jar.getJarEntry(entry))) {
      return in.readAllBytes();
    }
  }
}
