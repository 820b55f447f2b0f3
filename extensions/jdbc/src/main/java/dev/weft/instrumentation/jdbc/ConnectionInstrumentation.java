package dev.weft.instrumentation.jdbc;

import static net.bytebuddy.matcher.ElementMatchers.hasSuperType;
import static net.bytebuddy.matcher.ElementMatchers.isAbstract;
import static net.bytebuddy.matcher.ElementMatchers.isInterface;
import static net.bytebuddy.matcher.ElementMatchers.nameEndsWith;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.not;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;

import dev.weft.bootstrap.OperationKind;
import dev.weft.bootstrap.WeftBridge;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * {@code Connection.prepareStatement(sql, ...)} and {@code prepareCall(sql, ...)} of every
 * driver and pool: the statement they return runs that SQL, which is parsed once here rather than
 * at every execution. A prepare that throws (H2, and MariaDB or MySQL with server-side prepares,
 * check the SQL here) is counted as a failed operation of its SQL, once however many proxies
 * wrap the driver's connection.
 */
public final class ConnectionInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return nameEndsWith("Connection")
        .or(nameEndsWith("ConnectionImpl")) // MySQL Connector/J
        .and(not(isInterface()))
        .and(hasSuperType(named("java.sql.Connection")));
  }

  @Override
  public void transform(TypeTransformer transformer) {
    transformer.applyAdviceToMethod(
        named("prepareStatement")
            .or(named("prepareCall"))
            .and(takesArgument(0, String.class))
            .and(not(isAbstract())),
        ConnectionInstrumentation.class.getName() + "$PrepareAdvice");
  }

  @SuppressWarnings("unused")
  public static final class PrepareAdvice {

    private PrepareAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static Object onEnter() {
      return WeftBridge.operations().startPrepare(OperationKind.named("jdbc"));
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(
        @Advice.Enter Object handle,
        @Advice.This Object connection,
        @Advice.Argument(0) String sql,
        @Advice.Return Object statement,
        @Advice.Thrown Throwable thrown) {
      WeftBridge.operations().endPrepare(handle, connection, sql, statement, thrown);
    }
  }
}
