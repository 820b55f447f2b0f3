package dev.weft.instrumentation.logback;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxy;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.OutputStreamAppender;
import dev.weft.bootstrap.LogRecorder;
import dev.weft.bootstrap.WeftBridge;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import java.io.IOException;
import java.io.OutputStream;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * With {@code weft.logs.format=json}: {@code OutputStreamAppender.writeOut(event)} of a
 * {@code ConsoleAppender} writes the event as one JSON line instead of the encoder's bytes. The
 * line is one {@code write} on the appender's stream (the console's {@code PrintStream} is
 * synchronised), flushed as the appender would. Other appenders (files, sockets) are untouched.
 */
public final class ConsoleOutputInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named("ch.qos.logback.core.OutputStreamAppender");
  }

  @Override
  public void transform(TypeTransformer transformer) {
    transformer.applyAdviceToMethod(
        named("writeOut").and(takesArguments(1)),
        ConsoleOutputInstrumentation.class.getName() + "$WriteOutAdvice");
  }

  @SuppressWarnings("unused")
  public static final class WriteOutAdvice {

    private WriteOutAdvice() {}

    /** True when the JSON line was written: the appender's own encoding is then skipped. */
    @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class, suppress = Throwable.class)
    public static boolean onEnter(
        @Advice.This OutputStreamAppender<?> appender, @Advice.Argument(0) Object event)
        throws IOException {
      LogRecorder logs = WeftBridge.logs();
      if (!logs.json() || !(appender instanceof ConsoleAppender) || !(event instanceof ILoggingEvent)) {
        return false;
      }
      OutputStream out = appender.getOutputStream();
      if (out == null) {
        return false;
      }
      ILoggingEvent e = (ILoggingEvent) event;
      Throwable thrown = null;
      IThrowableProxy proxy = e.getThrowableProxy();
      if (proxy instanceof ThrowableProxy) {
        thrown = ((ThrowableProxy) proxy).getThrowable();
      }
      byte[] line =
          logs.jsonLine(
              e.getTimeStamp(),
              String.valueOf(e.getLevel()),
              e.getLoggerName(),
              e.getThreadName(),
              e.getFormattedMessage(),
              e.getMDCPropertyMap(),
              thrown);
      if (line == null) {
        return false;
      }
      out.write(line);
      if (appender.isImmediateFlush()) {
        out.flush();
      }
      return true;
    }
  }
}
