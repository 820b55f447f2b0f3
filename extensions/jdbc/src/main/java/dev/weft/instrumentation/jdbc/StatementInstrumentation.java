package dev.weft.instrumentation.jdbc;

import static net.bytebuddy.matcher.ElementMatchers.hasSuperType;
import static net.bytebuddy.matcher.ElementMatchers.isAbstract;
import static net.bytebuddy.matcher.ElementMatchers.isInterface;
import static net.bytebuddy.matcher.ElementMatchers.nameEndsWith;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.not;
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
 * Every class that implements {@code java.sql.Statement} and whose name ends with
 * {@code Statement} or {@code StatementImpl} (pgjdbc's {@code PgPreparedStatement}, MariaDB's
 * {@code ClientPreparedStatement}, MySQL's {@code StatementImpl}, H2's {@code JdbcStatement},
 * HikariCP's {@code HikariProxyStatement}, ...: every driver and pool we know names its
 * statements that way). The name test comes first so that the many classes an application loads
 * are turned away by name alone, without a look at their super types (an ORM has many classes
 * named after statements that are not JDBC statements).
 */
public final class StatementInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return nameEndsWith("Statement")
        .or(nameEndsWith("StatementImpl")) // MySQL Connector/J
        .and(not(isInterface()))
        .and(hasSuperType(named("java.sql.Statement")));
  }

  @Override
  public void transform(TypeTransformer transformer) {
    String prefix = StatementInstrumentation.class.getName();
    transformer.applyAdviceToMethod(
        executeMethod().and(takesArgument(0, String.class)), prefix + "$SqlAdvice");
    transformer.applyAdviceToMethod(executeMethod().and(takesArguments(0)), prefix + "$PreparedAdvice");
    transformer.applyAdviceToMethod(
        named("executeBatch").or(named("executeLargeBatch")).and(takesArguments(0)).and(not(isAbstract())),
        prefix + "$BatchAdvice");
    transformer.applyAdviceToMethod(
        named("addBatch").and(takesArguments(1)).and(takesArgument(0, String.class)).and(not(isAbstract())),
        prefix + "$AddBatchAdvice");
    transformer.applyAdviceToMethod(
        named("close").and(takesArguments(0)).and(not(isAbstract())), prefix + "$CloseAdvice");
  }

  private static ElementMatcher.Junction<net.bytebuddy.description.method.MethodDescription> executeMethod() {
    return named("execute")
        .or(named("executeQuery"))
        .or(named("executeUpdate"))
        .or(named("executeLargeUpdate"))
        .and(not(isAbstract()));
  }

  /** {@code execute(sql, ...)} and its siblings on a plain statement. */
  @SuppressWarnings("unused")
  public static final class SqlAdvice {

    private SqlAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static Object onEnter(@Advice.This Object statement, @Advice.Argument(0) String sql) {
      return WeftBridge.operations()
          .startStatement(OperationKind.named("jdbc"), statement, sql, false);
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(@Advice.Enter Object handle, @Advice.Thrown Throwable thrown) {
      WeftBridge.operations().end(handle, thrown);
    }
  }

  /** {@code execute()} and its siblings on a prepared or callable statement. */
  @SuppressWarnings("unused")
  public static final class PreparedAdvice {

    private PreparedAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static Object onEnter(@Advice.This Object statement) {
      return WeftBridge.operations()
          .startStatement(OperationKind.named("jdbc"), statement, null, false);
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(@Advice.Enter Object handle, @Advice.Thrown Throwable thrown) {
      WeftBridge.operations().end(handle, thrown);
    }
  }

  /** {@code executeBatch()}: one operation per executed batch. */
  @SuppressWarnings("unused")
  public static final class BatchAdvice {

    private BatchAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static Object onEnter(@Advice.This Object statement) {
      return WeftBridge.operations()
          .startStatement(OperationKind.named("jdbc"), statement, null, true);
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(@Advice.Enter Object handle, @Advice.Thrown Throwable thrown) {
      WeftBridge.operations().end(handle, thrown);
    }
  }

  /** {@code addBatch(sql)}: remembered for the batch's operation and table. */
  @SuppressWarnings("unused")
  public static final class AddBatchAdvice {

    private AddBatchAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void onEnter(@Advice.This Object statement, @Advice.Argument(0) String sql) {
      WeftBridge.operations().batchAdded(OperationKind.named("jdbc"), statement, sql);
    }
  }

  /** {@code close()}: the statement is forgotten. */
  @SuppressWarnings("unused")
  public static final class CloseAdvice {

    private CloseAdvice() {}

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(@Advice.This Object statement) {
      WeftBridge.operations().closed(OperationKind.named("jdbc"), statement);
    }
  }
}
