package dev.weft.runtime.install;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.instrumentation.jdkhttp.FilterChainInstrumentation;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AdviceReferencesTest {

  private final ClassLoader app = getClass().getClassLoader();
  private final ClassLoader platform = ClassLoader.getPlatformClassLoader();

  @Test
  void jdkServerAdviceNamesTheExchangeMethodsAndTheJdkHasThem() {
    AdviceReferences refs =
        AdviceReferences.of(
            "http-server-jdk",
            app,
            List.of(FilterChainInstrumentation.class.getName() + "$DoFilterAdvice"),
            Set.of());
    assertTrue(
        refs.methods()
            .contains(
                "com/sun/net/httpserver/HttpExchange#getHttpContext#()Lcom/sun/net/httpserver/HttpContext;"),
        refs.methods().toString());
    assertTrue(refs.methods().stream().noneMatch(m -> m.startsWith("dev/weft/bootstrap/")));
    assertEquals(List.of(), refs.missingIn(platform));
    assertTrue(refs.matches(platform));
  }

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
