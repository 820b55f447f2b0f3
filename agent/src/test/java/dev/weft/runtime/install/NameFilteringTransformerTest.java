package dev.weft.runtime.install;

import static net.bytebuddy.matcher.ElementMatchers.hasSuperType;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.nameStartsWith;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;
import org.junit.jupiter.api.Test;

class NameFilteringTransformerTest {

  private final ClassLoader weft = new ClassLoader(null) {};

  private NameFilteringTransformer filter(List<ElementMatcher<? super TypeDescription>> matchers) {
    return new NameFilteringTransformer(
        new AgentBuilder.Default().makeRaw(), matchers, loader -> loader == weft);
  }

  @Test
  void nameMatchersDecideByNameAlone() {
    NameFilteringTransformer f =
        filter(List.of(named("com.sun.net.httpserver.Filter$Chain"), nameStartsWith("org.acme.")));
    ClassLoader app = getClass().getClassLoader();
    assertTrue(f.wanted(app, "com/sun/net/httpserver/Filter$Chain", null, null));
    assertTrue(f.wanted(app, "org/acme/Thing", null, null));
    assertFalse(f.wanted(app, "java/util/ArrayList", null, null));
    assertFalse(f.wanted(app, "com/sun/net/httpserver/Filter", null, null));
  }

  @Test
  void matchersThatNeedMoreThanTheNameAlwaysReachByteBuddy() {
    NameFilteringTransformer f = filter(List.of(hasSuperType(named("java.sql.Statement"))));
    assertTrue(f.wanted(getClass().getClassLoader(), "org/h2/jdbc/JdbcStatement", null, null));
    assertTrue(f.wanted(getClass().getClassLoader(), "java/util/ArrayList", null, null));
  }

  @Test
  void weftsOwnClassesHiddenClassesAndRetransformationsAreHandledFirst() {
    NameFilteringTransformer f = filter(List.of(named("a.B")));
    assertFalse(f.wanted(weft, "a/B", null, null));
    assertFalse(f.wanted(getClass().getClassLoader(), null, null, null));
    assertTrue(f.wanted(getClass().getClassLoader(), "x/Y", Object.class, null));
  }
}
