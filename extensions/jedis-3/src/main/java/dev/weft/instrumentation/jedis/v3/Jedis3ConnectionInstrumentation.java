package dev.weft.instrumentation.jedis.v3;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.weft.bootstrap.OperationKind;
import dev.weft.bootstrap.Operations;
import dev.weft.bootstrap.WeftBridge;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import java.net.Socket;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;
import redis.clients.jedis.BinaryClient;
import redis.clients.jedis.Connection;
import redis.clients.jedis.commands.ProtocolCommand;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * Jedis 3's {@code Connection}: {@code sendCommand(ProtocolCommand, byte[]...)}, which every
 * other overload and every command method ends in, and
 * {@code readProtocolWithCheckingBroken()}, through which every reply is read (one per call,
 * pipelines and {@code getMany} included; an error reply is thrown from it as a
 * {@code JedisDataException}).
 */
public final class Jedis3ConnectionInstrumentation implements TypeInstrumentation {

  /** Loaders with Jedis 3: Jedis 4 added {@code CommandArguments}. */
  @Override
  public ElementMatcher<ClassLoader> classLoaderOptimization() {
    return loader ->
        loader != null
            && loader.getResource("redis/clients/jedis/Connection.class") != null
            && loader.getResource("redis/clients/jedis/CommandArguments.class") == null;
  }

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named("redis.clients.jedis.Connection");
  }

  @Override
  public void transform(TypeTransformer transformer) {
    transformer.applyAdviceToMethod(
        named("sendCommand")
            .and(takesArguments(2))
            .and(takesArgument(0, named("redis.clients.jedis.commands.ProtocolCommand")))
            .and(takesArgument(1, byte[][].class)),
        Jedis3ConnectionInstrumentation.class.getName() + "$SendAdvice");
    transformer.applyAdviceToMethod(
        named("readProtocolWithCheckingBroken").and(takesArguments(0)),
        Jedis3ConnectionInstrumentation.class.getName() + "$ReadAdvice");
  }

  @SuppressWarnings("unused")
  public static final class SendAdvice {

    private SendAdvice() {}

    /** At exit: the command is written (or the write failed) and the socket is connected. */
    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(
        @Advice.This Connection connection,
        @Advice.Argument(0) ProtocolCommand command,
        @Advice.FieldValue("socket") Socket socket,
        @Advice.Thrown Throwable thrown) {
      Operations operations = WeftBridge.operations();
      OperationKind redis = OperationKind.named("redis");
      if (thrown != null) {
        operations.end(
            operations.start(redis, command, command.getRaw(), (String) null, -1, -1), thrown);
        return;
      }
      int db = connection instanceof BinaryClient ? ((BinaryClient) connection).getDB() : -1;
      operations.awaitReply(
          connection, operations.start(redis, command, command.getRaw(), socket, db));
    }
  }

  @SuppressWarnings("unused")
  public static final class ReadAdvice {

    private ReadAdvice() {}

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(@Advice.This Connection connection, @Advice.Thrown Throwable thrown) {
      // An error reply (WRONGTYPE, NOAUTH, MOVED, ...) leaves the connection usable; any other
      // failure does not, and no command waiting on it will get its reply.
      WeftBridge.operations()
          .replied(connection, thrown, thrown != null && !(thrown instanceof JedisDataException));
    }
  }

  /**
   * Work Jedis does for itself: a connection's handshake, a pool's upkeep of its connections.
   * The commands it sends meanwhile are not the application's: they are not counted.
   */
  @SuppressWarnings("unused")
  public static final class LibraryWorkAdvice {

    private LibraryWorkAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static Object onEnter() {
      return WeftBridge.operations().startLibraryWork(OperationKind.named("redis"));
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(@Advice.Enter Object handle) {
      WeftBridge.operations().endLibraryWork(handle);
    }
  }
}
