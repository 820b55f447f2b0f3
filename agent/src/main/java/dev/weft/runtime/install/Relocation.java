package dev.weft.runtime.install;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import net.bytebuddy.ByteBuddy;

/**
 * The relocation rule of the agent jar, as known at run time: every bundled library root (the
 * same list as the shade plugin's relocations in agent/pom.xml) is moved under
 * {@code dev.weft.shaded.}. Extension jars are compiled against the original names and get the
 * same rule applied when Weft loads them.
 *
 * <p>The roots are spelled in pieces on purpose: the shade plugin rewrites string constants that
 * look like relocated names, which would turn this table into a no-op.
 */
public final class Relocation {

  static final String PREFIX = "dev/weft/shaded/";

  private static final String[][] ROOTS = {
    {"net", "bytebuddy"}, {"io", "opentelemetry"}, {"io", "prometheus"}, {"com", "fasterxml", "jackson"}
  };

  private static final List<String> ORIGINAL_ROOTS;

  static {
    List<String> roots = new ArrayList<>();
    for (String[] root : ROOTS) {
      roots.add(String.join("/", root) + "/");
    }
    ORIGINAL_ROOTS = Collections.unmodifiableList(roots);
  }

  private Relocation() {}

  /** True inside the built agent jar; false when running from unshaded classes (unit tests). */
  public static boolean active() {
    return ByteBuddy.class.getName().startsWith(PREFIX.replace('/', '.'));
  }

  /** Maps an internal name (net/bytebuddy/asm/Advice) to its relocated form, if it has one. */
  public static String relocate(String internalName) {
    if (internalName == null || !active()) {
      return internalName;
    }
    for (String root : ORIGINAL_ROOTS) {
      if (internalName.startsWith(root)) {
        return PREFIX + internalName;
      }
    }
    return internalName;
  }

  /** The name a relocated class had in the original library: used to read extension jars. */
  public static String original(String className) {
    String dotted = PREFIX.replace('/', '.');
    return className.startsWith(dotted) ? className.substring(dotted.length()) : className;
  }
}
