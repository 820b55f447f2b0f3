package dev.weft.instrumentation.jedis.v3;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.namedOneOf;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * Work Jedis 3 does for itself, not counted: a connection's handshake ({@code AUTH} and
 * {@code SELECT} in {@code BinaryClient.connect()}, which every first command of a connection
 * goes through; {@code AUTH}, {@code SELECT} and {@code CLIENT SETNAME} of a client config or a
 * {@code redis://} URI in {@code BinaryJedis}'s constructors), and {@code JedisPool}'s upkeep of
 * its connections in {@code JedisFactory} (the handshake of a new one, a validation
 * {@code PING}, an activation {@code SELECT}, a destruction's {@code QUIT}).
 */
public final class Jedis3LibraryWorkInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<ClassLoader> classLoaderOptimization() {
    return new Jedis3ConnectionInstrumentation().classLoaderOptimization();
  }

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return namedOneOf(
        "redis.clients.jedis.BinaryClient",
        "redis.clients.jedis.BinaryJedis",
        "redis.clients.jedis.JedisFactory");
  }

  @Override
  public void transform(TypeTransformer transformer) {
    transformer.applyAdviceToMethod(
        named("connect").and(takesArguments(0))
            // BinaryJedis: from a client config (3.6 on); from a redis:// URI (before 3.6:
            // initializeClientFromURI, then initializeFromURI)
            .or(namedOneOf("initializeFromClientConfig", "initializeClientFromURI", "initializeFromURI"))
            .or(namedOneOf(
                "makeObject", "activateObject", "validateObject", "passivateObject", "destroyObject")),
        Jedis3ConnectionInstrumentation.class.getName() + "$LibraryWorkAdvice");
  }
}
