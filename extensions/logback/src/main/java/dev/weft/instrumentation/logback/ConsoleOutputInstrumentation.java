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
 * With {@code weft.logs.format=json}: {@code OutputStreamAppender.subAppend(event)} of a started
 * {@code ConsoleAppender} writes the event as one JSON line instead of the encoder's bytes
 * ({@code subAppend} is where every version from 1.2 to 1.6 encodes and writes an event). The
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
        named("subAppend").and(takesArguments(1)),
        ConsoleOutputInstrumentation.class.getName() + "$SubAppendAdvice");
  }

  @SuppressWarnings("unused")
  public static final class SubAppendAdvice {

    private SubAppendAdvice() {}

    /** True when the JSON line was written: the appender's own encoding is then skipped. */
    @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class, suppress = Throwable.class)
    public static boolean onEnter(
        @Advice.This OutputStreamAppender<?> appender, @Advice.Argument(0) Object event)
        throws IOException {
      LogRecorder logs = WeftBridge.logs();
      if (!logs.json()
          || !(appender instanceof ConsoleAppender)
          || !(event instanceof ILoggingEvent)
          || !appender.isStarted()) {
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
