package dev.weft.instrumentation.lettuce.v6;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;

import dev.weft.bootstrap.WeftBridge;
import io.lettuce.core.RedisURI;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * {@code RedisClient.connectStatefulAsync(connection, endpoint, redisURI, ...)}: every standalone
 * and Pub/Sub connection (also each node of Master/Replica) is connected through it, with the URI
 * it goes to. Its parameter list grew in 6.x; the first and third stay the connection and the URI.
 */
public final class LettuceClientInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<ClassLoader> classLoaderOptimization() {
    return Lettuce6Loaders.HAS_LETTUCE_6;
  }

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named("io.lettuce.core.RedisClient");
  }

  @Override
  public void transform(TypeTransformer transformer) {
    transformer.applyAdviceToMethod(
        named("connectStatefulAsync")
            .and(takesArgument(0, named("io.lettuce.core.StatefulRedisConnectionImpl")))
            .and(takesArgument(2, named("io.lettuce.core.RedisURI"))),
        LettuceClientInstrumentation.class.getName() + "$ConnectAdvice");
  }

  @SuppressWarnings("unused")
  public static final class ConnectAdvice {

    private ConnectAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void onEnter(
        @Advice.Argument(0) Object connection, @Advice.Argument(2) RedisURI uri) {
      String host = uri.getHost(); // null for Sentinel and Unix-socket URIs
      WeftBridge.operations()
          .connected(connection, host, host == null ? -1 : uri.getPort(), uri.getDatabase());
    }
  }
}
