package dev.weft.runtime.install;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.instrumentation.http.server.jdk.FilterChainInstrumentation;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The installer's reference check on this module's real advice (in the runtime's package: the
 * check is internal to the installer). Moved here from the runtime's tests, which can no longer
 * see the modules: the runtime does not depend on them.
 */
class JdkServerAdviceReferencesTest {

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

}
