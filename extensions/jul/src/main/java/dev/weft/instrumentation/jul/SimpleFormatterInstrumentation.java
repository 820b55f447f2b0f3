package dev.weft.instrumentation.jul;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import java.util.logging.LogRecord;
import java.util.logging.SimpleFormatter;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * {@code java.util.logging.SimpleFormatter.format(LogRecord)}: when Weft has a text for the
 * record (a JSON line, or the format with the trace ids when it names {@code %7$}, {@code %8$}
 * or {@code %9$}), the formatter returns it; otherwise it formats as it always does. Handlers
 * format on the thread that logs, where the record's span is current. The text comes from the
 * module's helper {@link SimpleFormatterLines}.
 */
public final class SimpleFormatterInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named("java.util.logging.SimpleFormatter");
  }

  @Override
  public void transform(TypeTransformer transformer) {
    transformer.applyAdviceToMethod(
        named("format").and(takesArguments(1)),
        SimpleFormatterInstrumentation.class.getName() + "$FormatAdvice");
  }

  @SuppressWarnings("unused")
  public static final class FormatAdvice {

    private FormatAdvice() {}

    @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class, suppress = Throwable.class)
    public static String onEnter(
        @Advice.This SimpleFormatter formatter,
        @Advice.Argument(0) LogRecord record,
        @Advice.FieldValue("format") String format) {
      return SimpleFormatterLines.format(formatter, record, format);
    }

    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void onExit(
        @Advice.Enter String ours, @Advice.Return(readOnly = false) String result) {
      if (ours != null) {
        result = ours;
      }
    }
  }
}
