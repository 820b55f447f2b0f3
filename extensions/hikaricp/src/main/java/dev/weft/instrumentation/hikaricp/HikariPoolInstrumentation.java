package dev.weft.instrumentation.hikaricp;

import static net.bytebuddy.matcher.ElementMatchers.isConstructor;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.weft.bootstrap.OperationKind;
import dev.weft.bootstrap.WeftBridge;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * {@code com.zaxxer.hikari.pool.HikariPool}: its constructor (the pool exists and can be read),
 * {@code shutdown()} (it is gone) and {@code getConnection(long timeoutMs)}, through which every
 * connection the application borrows passes ({@code HikariDataSource.getConnection()} included).
 */
public final class HikariPoolInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named("com.zaxxer.hikari.pool.HikariPool");
  }

  @Override
  public void transform(TypeTransformer transformer) {
    String prefix = HikariPoolInstrumentation.class.getName();
    transformer.applyAdviceToMethod(isConstructor(), prefix + "$ConstructorAdvice");
    transformer.applyAdviceToMethod(
        named("shutdown").and(takesArguments(0)), prefix + "$ShutdownAdvice");
    transformer.applyAdviceToMethod(
        named("getConnection").and(takesArguments(1)).and(takesArgument(0, long.class)),
        prefix + "$GetConnectionAdvice");
  }

  @SuppressWarnings("unused")
  public static final class ConstructorAdvice {

    private ConstructorAdvice() {}

    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void onExit(@Advice.This Object pool) {
      WeftBridge.operations().poolOpened(OperationKind.named("jdbc"), pool);
    }
  }

  @SuppressWarnings("unused")
  public static final class ShutdownAdvice {

    private ShutdownAdvice() {}

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(@Advice.This Object pool) {
      WeftBridge.operations().poolClosed(OperationKind.named("jdbc"), pool);
    }
  }

  @SuppressWarnings("unused")
  public static final class GetConnectionAdvice {

    private GetConnectionAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static long onEnter() {
      return System.nanoTime();
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(
        @Advice.This Object pool, @Advice.Enter long started, @Advice.Thrown Throwable thrown) {
      WeftBridge.operations()
          .connectionAcquired(OperationKind.named("jdbc"), pool, System.nanoTime() - started, thrown);
    }
  }
}
