package dev.weft.instrumentation.jedis.v4;

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
import redis.clients.jedis.CommandArguments;
import redis.clients.jedis.Connection;
import redis.clients.jedis.commands.ProtocolCommand;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * Jedis 4/5's {@code Connection}: {@code sendCommand(CommandArguments)}, which every other
 * {@code sendCommand} overload and {@code executeCommand} end in, and
 * {@code readProtocolWithCheckingBroken()}, through which every reply is read, one per call
 * ({@code getOne}, {@code getMany} for pipelines and transactions); an error reply is thrown
 * from it as a {@code JedisDataException}.
 */
public final class Jedis4ConnectionInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<ClassLoader> classLoaderOptimization() {
    return loader ->
        loader != null && loader.getResource("redis/clients/jedis/CommandArguments.class") != null;
  }

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named("redis.clients.jedis.Connection");
  }

  @Override
  public void transform(TypeTransformer transformer) {
    transformer.applyAdviceToMethod(
        named("sendCommand")
            .and(takesArguments(1))
            .and(takesArgument(0, named("redis.clients.jedis.CommandArguments"))),
        Jedis4ConnectionInstrumentation.class.getName() + "$SendAdvice");
    transformer.applyAdviceToMethod(
        named("readProtocolWithCheckingBroken").and(takesArguments(0)),
        Jedis4ConnectionInstrumentation.class.getName() + "$ReadAdvice");
    // The handshake a new connection makes (HELLO/AUTH, CLIENT SETNAME/SETINFO, SELECT).
    transformer.applyAdviceToMethod(
        named("initializeFromClientConfig").and(takesArguments(1)),
        Jedis4ConnectionInstrumentation.class.getName() + "$LibraryWorkAdvice");
  }

  @SuppressWarnings("unused")
  public static final class SendAdvice {

    private SendAdvice() {}

    /** At exit: the command is written (or the write failed) and the socket is connected. */
    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(
        @Advice.This Connection connection,
        @Advice.Argument(0) CommandArguments arguments,
        @Advice.FieldValue("socket") Socket socket,
        @Advice.Thrown Throwable thrown) {
      ProtocolCommand command = arguments.getCommand();
      Operations operations = WeftBridge.operations();
      OperationKind redis = OperationKind.named("redis");
      if (thrown != null) {
        operations.end(
            operations.start(redis, command, command.getRaw(), (String) null, -1, -1), thrown);
        return;
      }
      operations.awaitReply(
          connection, operations.start(redis, command, command.getRaw(), socket, -1));
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
