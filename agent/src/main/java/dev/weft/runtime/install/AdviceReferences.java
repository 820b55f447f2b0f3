package dev.weft.runtime.install;

import dev.weft.runtime.core.WeftLog;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.type.TypeDefinition;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.ClassVisitor;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;
import net.bytebuddy.matcher.ElementMatcher;
import net.bytebuddy.pool.TypePool;

/**
 * The library methods a module's advice calls, and whether a class loader has them. Advice is
 * inlined into the library's classes; if the library version at hand lacks one of the methods the
 * advice calls, every call would fail inside the advice. So before weaving into a class loader,
 * Weft checks that every method the advice names exists there, and leaves the module out of that
 * loader if one does not (one line in the log, once per module), instead of failing at run time.
 *
 * <p>JDK types ({@code java.*}) and Weft's bridge are not checked: they are always there.
 */
final class AdviceReferences implements ElementMatcher<ClassLoader> {

  private final String module;
  private final Set<String> methods; // owner#name#descriptor, owner in internal form
  private final Map<ClassLoader, Boolean> verdicts = Collections.synchronizedMap(new WeakHashMap<>());
  private volatile Boolean bootVerdict;
  private volatile boolean reported;

  private AdviceReferences(String module, Set<String> methods) {
    this.module = module;
    this.methods = methods;
  }

  /**
   * Reads the bytecode of the advice classes and of the module's helper classes, and keeps the
   * library methods they invoke (calls between advice and helpers are the module's own).
   */
  static AdviceReferences of(
      String module, ClassLoader adviceLoader, List<String> adviceClasses, Set<String> helpers) {
    Set<String> methods = new LinkedHashSet<>();
    ClassFileLocator locator = ClassFileLocator.ForClassLoader.of(adviceLoader);
    Set<String> own = new LinkedHashSet<>();
    for (String helper : helpers) {
      own.add(helper.replace('.', '/'));
    }
    List<String> scanned = new ArrayList<>(adviceClasses);
    scanned.addAll(helpers);
    for (String advice : scanned) {
      try {
        byte[] bytes = locator.locate(advice).resolve();
        String self = advice.replace('.', '/');
        new ClassReader(bytes)
            .accept(
                new ClassVisitor(Opcodes.ASM9) {
                  @Override
                  public MethodVisitor visitMethod(
                      int access, String name, String descriptor, String signature, String[] ex) {
                    return new MethodVisitor(Opcodes.ASM9) {
                      @Override
                      public void visitMethodInsn(
                          int opcode, String owner, String mName, String mDesc, boolean itf) {
                        if (checked(owner, self) && !own.contains(owner)) {
                          methods.add(owner + "#" + mName + "#" + mDesc);
                        }
                      }
                    };
                  }
                },
                ClassReader.SKIP_DEBUG | ClassReader.SKIP_FRAMES);
      } catch (IOException | RuntimeException e) {
        WeftLog.debug("cannot read advice " + advice + " of module " + module + ": " + e);
      }
    }
    return new AdviceReferences(module, methods);
  }

  private static boolean checked(String owner, String self) {
    return !owner.equals(self)
        && !owner.startsWith("java/")
        && !owner.startsWith("dev/weft/bootstrap/")
        && !owner.startsWith("[");
  }

  Set<String> methods() {
    return methods;
  }

  @Override
  public boolean matches(ClassLoader loader) {
    if (methods.isEmpty()) {
      return true;
    }
    if (loader == null) {
      Boolean v = bootVerdict;
      if (v == null) {
        v = check(null);
        bootVerdict = v;
      }
      return v;
    }
    Boolean v = verdicts.get(loader);
    if (v == null) {
      v = check(loader);
      verdicts.put(loader, v);
    }
    return v;
  }

  private boolean check(ClassLoader loader) {
    List<String> missing = missingIn(loader);
    if (missing.isEmpty()) {
      return true;
    }
    if (!reported) {
      reported = true;
      WeftLog.warn(
          "module '"
              + module
              + "' is not applied in "
              + (loader == null ? "the bootstrap loader" : loader)
              + ": the library there lacks "
              + String.join(", ", missing)
              + " (a version the module does not support)");
    }
    return false;
  }

  List<String> missingIn(ClassLoader loader) {
    TypePool pool =
        TypePool.Default.of(
            loader == null
                ? ClassFileLocator.ForClassLoader.ofBootLoader()
                : ClassFileLocator.ForClassLoader.of(loader));
    List<String> missing = new ArrayList<>();
    for (String reference : methods) {
      String[] parts = reference.split("#", 3);
      TypePool.Resolution type = pool.describe(parts[0].replace('/', '.'));
      if (!type.isResolved() || !declares(type.resolve(), parts[1], parts[2])) {
        missing.add(parts[0].replace('/', '.') + "." + parts[1] + parts[2]);
      }
    }
    return missing;
  }

  /** The method, declared by the type or inherited from a superclass or an interface. */
  private static boolean declares(TypeDescription type, String name, String descriptor) {
    List<TypeDefinition> pending = new ArrayList<>();
    pending.add(type);
    Set<String> seen = new LinkedHashSet<>();
    while (!pending.isEmpty()) {
      TypeDefinition current = pending.remove(pending.size() - 1);
      if (current == null || !seen.add(current.getTypeName())) {
        continue;
      }
      for (MethodDescription.InDefinedShape m : current.asErasure().getDeclaredMethods()) {
        if (m.getInternalName().equals(name) && m.getDescriptor().equals(descriptor)) {
          return true;
        }
      }
      if (current.getSuperClass() != null) {
        pending.add(current.getSuperClass());
      }
      pending.addAll(current.getInterfaces());
    }
    return false;
  }
}
