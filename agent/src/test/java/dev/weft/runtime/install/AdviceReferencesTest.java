package dev.weft.runtime.install;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The reference check on advice of the test's own. The check against a real module's advice (the
 * JDK HTTP server's) lives with that module: extensions/http-server-jdk, JdkServerAdviceReferencesTest.
 */
class AdviceReferencesTest {

  private final ClassLoader app = getClass().getClassLoader();
  private final ClassLoader platform = ClassLoader.getPlatformClassLoader();

  /** Advice calling into a library that one loader has and another lacks. */
  static final class LibraryAdvice {
    static void onEnter() {
      org.junit.jupiter.api.Assertions.assertNotNull("x");
    }
  }

  @Test
  void aLoaderWithoutTheLibraryIsLeftOut() {
    AdviceReferences refs =
        AdviceReferences.of("lib", app, List.of(LibraryAdvice.class.getName()), Set.of());
    assertTrue(refs.matches(app));
    assertFalse(refs.matches(platform));
    assertEquals(1, refs.missingIn(platform).size());
    assertTrue(refs.missingIn(platform).get(0).startsWith("org.junit.jupiter.api.Assertions.assertNotNull"));
  }
}
