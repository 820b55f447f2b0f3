package dev.weft.instrumentation.lettuce.v6;

import net.bytebuddy.matcher.ElementMatcher;

/** Which class loaders can see Lettuce 6 ({@code ConnectionState} is new in 6.0). */
final class Lettuce6Loaders {

  static final ElementMatcher<ClassLoader> HAS_LETTUCE_6 =
      loader ->
          loader != null
              && loader.getResource("io/lettuce/core/ConnectionState.class") != null
              && loader.getResource("io/lettuce/core/RedisChannelHandler.class") != null;

  private Lettuce6Loaders() {}
}
