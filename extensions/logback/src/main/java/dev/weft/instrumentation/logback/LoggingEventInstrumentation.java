package dev.weft.instrumentation.logback;

import static net.bytebuddy.matcher.ElementMatchers.isConstructor;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import ch.qos.logback.classic.spi.LoggingEvent;
import dev.weft.bootstrap.LogRecorder;
import dev.weft.bootstrap.WeftBridge;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import java.util.Map;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * {@code LoggingEvent}'s constructor runs on the thread that logs, inside {@code Logger}'s call,
 * before any appender (an {@code AsyncAppender} included) sees the event. When a span is current
 * there, the event's MDC property map becomes a copy of the thread's MDC with the span's ids
 * added. The thread's own MDC is never written, so nothing outlives the span on a pooled thread.
 */
public final class LoggingEventInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named("ch.qos.logback.classic.spi.LoggingEvent");
  }

  @Override
  public void transform(TypeTransformer transformer) {
    transformer.applyAdviceToMethod(
        isConstructor().and(takesArguments(6)),
        LoggingEventInstrumentation.class.getName() + "$ConstructorAdvice");
  }

  @SuppressWarnings("unused")
  public static final class ConstructorAdvice {

    private ConstructorAdvice() {}

    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void onExit(
        @Advice.This LoggingEvent event,
        @Advice.FieldValue(value = "mdcPropertyMap", readOnly = false) Map<String, String> mdc) {
      LogRecorder logs = WeftBridge.logs();
      if (logs.currentIds() != null) {
        // getMDCPropertyMap() reads the thread's MDC the way this Logback version does.
        mdc = logs.withIds(event.getMDCPropertyMap());
      }
    }
  }
}
