package dev.weft.instrumentation.jedis.v4;

import static net.bytebuddy.matcher.ElementMatchers.namedOneOf;

import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * The factories through which {@code JedisPool} ({@code JedisFactory}) and
 * {@code JedisPooled}/{@code UnifiedJedis} pools ({@code ConnectionFactory}) make, check, reset
 * and close their connections: the {@code PING} of a validation, the {@code SELECT} of an
 * activation and the {@code QUIT} of a destruction are Jedis's own work, not counted.
 */
public final class Jedis4PoolInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<ClassLoader> classLoaderOptimization() {
    return new Jedis4ConnectionInstrumentation().classLoaderOptimization();
  }

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return namedOneOf("redis.clients.jedis.JedisFactory", "redis.clients.jedis.ConnectionFactory");
  }

  @Override
  public void transform(TypeTransformer transformer) {
    transformer.applyAdviceToMethod(
        namedOneOf("makeObject", "activateObject", "validateObject", "passivateObject", "destroyObject"),
        Jedis4ConnectionInstrumentation.class.getName() + "$LibraryWorkAdvice");
  }
}
