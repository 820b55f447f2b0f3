package dev.weft.instrumentation.lettuce.v6;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.weft.bootstrap.WeftBridge;
import io.lettuce.core.protocol.ProtocolKeyword;
import io.lettuce.core.protocol.RedisCommand;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import java.util.Collection;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * {@code RedisChannelHandler.dispatch(RedisCommand)} and {@code dispatch(Collection)}: every
 * connection class (standalone, Pub/Sub, cluster, sentinel) ends its own {@code dispatch} there,
 * on the thread that issued the command. The command it receives is what completes: the async
 * API's {@code AsyncCommand}, a MULTI's {@code TransactionalCommand} (completed when EXEC's reply
 * is read), or the reactive API's subscription command.
 */
public final class LettuceDispatchInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<ClassLoader> classLoaderOptimization() {
    return Lettuce6Loaders.HAS_LETTUCE_6;
  }

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named("io.lettuce.core.RedisChannelHandler");
  }

  @Override
  public void transform(TypeTransformer transformer) {
    transformer.applyAdviceToMethod(
        named("dispatch")
            .and(takesArguments(1))
            .and(takesArgument(0, named("io.lettuce.core.protocol.RedisCommand"))),
        LettuceDispatchInstrumentation.class.getName() + "$DispatchAdvice");
    transformer.applyAdviceToMethod(
        named("dispatch").and(takesArguments(1)).and(takesArgument(0, Collection.class)),
        LettuceDispatchInstrumentation.class.getName() + "$DispatchAllAdvice");
  }

  @SuppressWarnings("unused")
  public static final class DispatchAdvice {

    private DispatchAdvice() {}

    /** Before the write: the command may complete on the I/O thread before dispatch returns. */
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static Object onEnter(
        @Advice.This Object connection, @Advice.Argument(0) RedisCommand<?, ?, ?> command) {
      ProtocolKeyword type = command.getType();
      return LettuceCommands.dispatched(
          connection, command, type, type == null ? null : type.getBytes());
    }

    /** Lettuce reports a refused write through the command; should dispatch throw, it is over. */
    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(@Advice.Enter Object handle, @Advice.Thrown Throwable thrown) {
      if (thrown != null && handle != null) {
        WeftBridge.operations().end(handle, thrown);
      }
    }
  }

  @SuppressWarnings("unused")
  public static final class DispatchAllAdvice {

    private DispatchAllAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void onEnter(
        @Advice.This Object connection, @Advice.Argument(0) Collection<?> commands) {
      for (Object element : commands) {
        if (element instanceof RedisCommand) {
          RedisCommand<?, ?, ?> command = (RedisCommand<?, ?, ?>) element;
          ProtocolKeyword type = command.getType();
          LettuceCommands.dispatched(
              connection, command, type, type == null ? null : type.getBytes());
        }
      }
    }
  }
}
