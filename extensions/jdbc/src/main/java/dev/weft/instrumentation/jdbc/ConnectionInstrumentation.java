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
 * at every execution.
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

    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void onExit(@Advice.Argument(0) String sql, @Advice.Return Object statement) {
      if (statement != null) {
        WeftBridge.operations().prepared(OperationKind.named("jdbc"), statement, sql);
      }
    }
  }
}
