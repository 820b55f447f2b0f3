package dev.weft.instrumentation.log4j2;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.weft.bootstrap.LogRecorder;
import dev.weft.bootstrap.WeftBridge;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.appender.AbstractOutputStreamAppender;
import org.apache.logging.log4j.core.appender.ConsoleAppender;
import org.apache.logging.log4j.core.appender.OutputStreamManager;
import org.apache.logging.log4j.message.Message;

/**
 * With {@code weft.logs.format=json}: {@code AbstractOutputStreamAppender.append(event)} of a
 * {@code ConsoleAppender} writes the event as one JSON line through the appender's manager
 * (synchronised, as the layout's bytes would be) instead of its layout. Other appenders are
 * untouched.
 */
public final class ConsoleOutputInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named("org.apache.logging.log4j.core.appender.AbstractOutputStreamAppender");
  }

  @Override
  public void transform(TypeTransformer transformer) {
    transformer.applyAdviceToMethod(
        named("append")
            .and(takesArguments(1))
            .and(takesArgument(0, named("org.apache.logging.log4j.core.LogEvent"))),
        ConsoleOutputInstrumentation.class.getName() + "$AppendAdvice");
  }

  @SuppressWarnings("unused")
  public static final class AppendAdvice {

    private AppendAdvice() {}

    /** True when the JSON line was written: the layout is then skipped. */
    @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class, suppress = Throwable.class)
    public static boolean onEnter(
        @Advice.This AbstractOutputStreamAppender<?> appender, @Advice.Argument(0) LogEvent event) {
      LogRecorder logs = WeftBridge.logs();
      if (!logs.json() || !(appender instanceof ConsoleAppender) || event == null) {
        return false;
      }
      OutputStreamManager manager = appender.getManager();
      if (manager == null) {
        return false;
      }
      Message message = event.getMessage();
      byte[] line =
          logs.jsonLine(
              event.getTimeMillis(),
              String.valueOf(event.getLevel()),
              event.getLoggerName(),
              event.getThreadName(),
              message == null ? null : message.getFormattedMessage(),
              event.getContextData() == null ? null : event.getContextData().toMap(),
              event.getThrown());
      if (line == null) {
        return false;
      }
      manager.writeBytes(line, 0, line.length);
      if (appender.getImmediateFlush() || event.isEndOfBatch()) {
        manager.flush();
      }
      return true;
    }
  }
}
