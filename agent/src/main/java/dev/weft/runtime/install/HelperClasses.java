package dev.weft.runtime.install;

import dev.weft.runtime.core.WeftLog;
import java.io.IOException;
import java.lang.instrument.Instrumentation;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.security.ProtectionDomain;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.ClassVisitor;
import net.bytebuddy.jar.asm.ClassWriter;
import net.bytebuddy.jar.asm.Opcodes;
import net.bytebuddy.jar.asm.commons.ClassRemapper;
import net.bytebuddy.jar.asm.commons.Remapper;

/**
 * A module's typed helper classes (its {@code getAdditionalHelperClassNames()}), defined where its
 * advice can link against them: next to the library the advice is woven into.
 *
 * <ul>
 *   <li>Helpers that name nothing but JDK types, Weft's bootstrap bridge and one another (executor
 *       wrappers, the URL-connection call state, servlet route tables) are defined once, in the
 *       bootstrap loader, when the module is applied: every class loader then sees the one copy,
 *       so a task wrapped in one loader is recognised in another.
 *   <li>Helpers typed against the library (a servlet {@code AsyncListener}, a Kafka
 *       {@code Callback}) are defined in the class loader of each class the module weaves, just
 *       before it is woven, unless that loader already sees them through its parents.
 * </ul>
 *
 * Classes are defined with the JDK's own {@code ClassLoader} define methods, reached by opening
 * {@code java.lang} to Weft's module: nothing is injected through {@code Unsafe}, and no jar is
 * appended to the bootstrap search path (which would switch class-data sharing off).
 */
final class HelperClasses {

  private final String module;
  private final Map<String, byte[]> classes; // name -> bytes, in the module's declared order
  private final boolean jdkOnly;
  private final Map<ClassLoader, Boolean> injected =
      Collections.synchronizedMap(new WeakHashMap<>());

  private HelperClasses(String module, Map<String, byte[]> classes, boolean jdkOnly) {
    this.module = module;
    this.classes = classes;
    this.jdkOnly = jdkOnly;
  }

  /**
   * Reads the helpers' class files from the module's loader. Throws if one is missing: a module
   * whose helpers cannot be found would fail at its first call, so it is not applied at all.
   */
  static HelperClasses of(String module, ClassLoader moduleLoader, List<String> names) {
    Map<String, byte[]> classes = new LinkedHashMap<>();
    ClassFileLocator locator = ClassFileLocator.ForClassLoader.of(moduleLoader);
    List<String> pending = new ArrayList<>(names);
    try {
      while (!pending.isEmpty()) {
        String name = pending.remove(0);
        if (classes.containsKey(name)) {
          continue;
        }
        ClassFileLocator.Resolution resolution = locator.locate(name);
        if (!resolution.isResolved()) {
          throw new IllegalStateException(
              "module '" + module + "' names helper class " + name + ", which it does not hold");
        }
        byte[] bytes = resolution.resolve();
        classes.put(name, bytes);
        pending.addAll(nestedClasses(name, bytes)); // a helper's nested classes are helpers too
      }
    } catch (IOException e) {
      throw new IllegalStateException("module '" + module + "': cannot read its helpers: " + e, e);
    }
    return new HelperClasses(module, classes, namesOnlyJdk(classes));
  }

  private static List<String> nestedClasses(String name, byte[] bytes) {
    String self = name.replace('.', '/');
    List<String> nested = new ArrayList<>();
    new ClassReader(bytes)
        .accept(
            new ClassVisitor(Opcodes.ASM9) {
              @Override
              public void visitInnerClass(String inner, String outer, String simple, int access) {
                if (inner.startsWith(self + "$")) {
                  nested.add(inner.replace('/', '.'));
                }
              }
            },
            ClassReader.SKIP_CODE | ClassReader.SKIP_DEBUG | ClassReader.SKIP_FRAMES);
    return nested;
  }

  boolean isEmpty() {
    return classes.isEmpty();
  }

  /** True when the helpers go to the bootstrap loader once, not next to each library copy. */
  boolean jdkOnly() {
    return jdkOnly;
  }

  Set<String> names() {
    return classes.keySet();
  }

  /** Defines the JDK-only helpers in the bootstrap loader (once). */
  void defineInBootLoader(Definer definer) {
    if (injected.putIfAbsent(BOOT, Boolean.TRUE) == null) {
      definer.define(null, classes);
    }
  }

  /** Defines library-typed helpers in {@code loader} before a class of it is woven (once). */
  void defineNextTo(ClassLoader loader, Definer definer) {
    if (jdkOnly || loader == null || injected.containsKey(loader)) {
      return;
    }
    synchronized (injected) {
      if (injected.containsKey(loader)) {
        return;
      }
      Map<String, byte[]> missing = new LinkedHashMap<>();
      for (Map.Entry<String, byte[]> helper : classes.entrySet()) {
        if (!Definer.visible(helper.getKey(), loader)) {
          missing.put(helper.getKey(), helper.getValue());
        }
      }
      if (!missing.isEmpty()) {
        definer.define(loader, missing);
      }
      injected.put(loader, Boolean.TRUE);
    }
  }

  /** A stand-in key for the bootstrap loader in the map of loaders already served. */
  private static final ClassLoader BOOT = new ClassLoader(null) {};

  /**
   * True if every type the helpers name is a JDK type the bootstrap loader defines, a class of
   * Weft's bootstrap bridge or another of the helpers.
   */
  private static boolean namesOnlyJdk(Map<String, byte[]> classes) {
    Set<String> named = new LinkedHashSet<>();
    for (byte[] bytes : classes.values()) {
      new ClassReader(bytes)
          .accept(
              new ClassRemapper(
                  new ClassWriter(0), // a sink that asks for every method and field body
                  new Remapper() {
                    @Override
                    public String map(String internalName) {
                      named.add(internalName);
                      return internalName;
                    }
                  }),
              ClassReader.SKIP_FRAMES);
    }
    ClassFileLocator boot = ClassFileLocator.ForClassLoader.ofBootLoader();
    for (String internalName : named) {
      String name = internalName.replace('/', '.');
      if (classes.containsKey(name) || internalName.startsWith("dev/weft/bootstrap/")) {
        continue;
      }
      try {
        if (!boot.locate(name).isResolved()) {
          return false;
        }
      } catch (IOException e) {
        return false;
      }
    }
    return true;
  }

  @Override
  public String toString() {
    return "helpers of " + module + " " + classes.keySet();
  }

  /** Defines classes in a given loader through the JDK's own define methods. */
  static final class Definer {

    private final MethodHandle defineInLoader;
    private final MethodHandle defineInBoot;
    private final MethodHandle classLoadingLock;

    private Definer(MethodHandle defineInLoader, MethodHandle defineInBoot, MethodHandle lock) {
      this.defineInLoader = defineInLoader;
      this.defineInBoot = defineInBoot;
      this.classLoadingLock = lock;
    }

    /**
     * Opens {@code java.lang} to Weft's own module, where the runtime runs, and looks up the
     * define methods. Throws when this JDK does not allow it; modules with helpers are then not
     * applied.
     */
    static Definer open(Instrumentation inst) throws ReflectiveOperationException {
      Module javaBase = Object.class.getModule();
      Module self = HelperClasses.class.getModule();
      inst.redefineModule(
          javaBase, Set.of(), Map.of(), Map.of("java.lang", Set.of(self)), Set.of(), Map.of());
      MethodHandles.Lookup lookup =
          MethodHandles.privateLookupIn(ClassLoader.class, MethodHandles.lookup());
      MethodHandle inLoader =
          lookup.findVirtual(
              ClassLoader.class,
              "defineClass",
              MethodType.methodType(
                  Class.class,
                  String.class,
                  byte[].class,
                  int.class,
                  int.class,
                  ProtectionDomain.class));
      // The boot loader's native define: (loader, name, bytes, offset, length, domain, source).
      MethodHandle inBoot =
          lookup.findStatic(
              ClassLoader.class,
              "defineClass1",
              MethodType.fromMethodDescriptorString(
                  "(Ljava/lang/ClassLoader;Ljava/lang/String;[BIILjava/security/ProtectionDomain;"
                      + "Ljava/lang/String;)Ljava/lang/Class;",
                  null));
      MethodHandle lock =
          lookup.findVirtual(
              ClassLoader.class,
              "getClassLoadingLock",
              MethodType.methodType(Object.class, String.class));
      return new Definer(inLoader, inBoot, lock);
    }

    static boolean visible(String name, ClassLoader loader) {
      try {
        Class.forName(name, false, loader);
        return true;
      } catch (ClassNotFoundException | LinkageError e) {
        return false;
      }
    }

    /**
     * Defines {@code classes} in {@code loader} (null: the bootstrap loader), supertypes before
     * their subtypes whatever the order given. A class the loader already has is left alone.
     */
    void define(ClassLoader loader, Map<String, byte[]> classes) {
      List<String> pending = new ArrayList<>(classes.keySet());
      while (!pending.isEmpty()) {
        List<String> failed = new ArrayList<>();
        Throwable lastFailure = null;
        for (String name : pending) {
          if (loader == null && visible(name, null)) {
            continue;
          }
          byte[] bytes = classes.get(name);
          try {
            if (loader == null) {
              defineInBoot.invoke(null, name, bytes, 0, bytes.length, null, "weft");
            } else {
              synchronized (classLoadingLock.invoke(loader, name)) {
                if (!visible(name, loader)) {
                  defineInLoader.invoke(loader, name, bytes, 0, bytes.length, null);
                }
              }
            }
          } catch (NoClassDefFoundError missingSupertype) {
            failed.add(name);
            lastFailure = missingSupertype;
          } catch (LinkageError alreadyDefined) {
            // Another thread defined it first: the loader has it, which is all that matters.
            WeftLog.debug("helper " + name + " already defined: " + alreadyDefined);
          } catch (RuntimeException | Error e) {
            throw e;
          } catch (Throwable t) {
            throw new IllegalStateException("cannot define helper " + name + ": " + t, t);
          }
        }
        if (failed.size() == pending.size()) {
          throw new IllegalStateException(
              "cannot define helpers " + failed + " in " + loader + ": " + lastFailure,
              lastFailure);
        }
        pending = failed;
      }
    }
  }
}
