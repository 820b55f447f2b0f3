package dev.weft.instrumentation.log4j2;

import static net.bytebuddy.matcher.ElementMatchers.isAbstract;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.nameStartsWith;
import static net.bytebuddy.matcher.ElementMatchers.not;
import static net.bytebuddy.matcher.ElementMatchers.returns;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.weft.bootstrap.WeftBridge;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;
import org.apache.logging.log4j.util.SortedArrayStringMap;
import org.apache.logging.log4j.util.StringMap;

/**
 * Log4j fills an event's context data from the thread context through one of
 * {@code ThreadContextDataInjector}'s injectors, on the thread that logs (for async loggers and
 * the {@code Async} appender too, before the hand-off). When a span is current, the ids are added
 * to the map the injector returns: in place when it is the event's own reusable map, else (a
 * frozen or shared map) in a copy. The thread context itself is never written.
 */
public final class ContextDataInjectorInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return nameStartsWith("org.apache.logging.log4j.core.impl.ThreadContextDataInjector$");
  }

  @Override
  public void transform(TypeTransformer transformer) {
    transformer.applyAdviceToMethod(
        named("injectContextData")
            .and(takesArguments(2))
            .and(returns(named("org.apache.logging.log4j.util.StringMap")))
            .and(not(isAbstract())),
        ContextDataInjectorInstrumentation.class.getName() + "$InjectAdvice");
  }

  @SuppressWarnings("unused")
  public static final class InjectAdvice {

    private InjectAdvice() {}

    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void onExit(
        @Advice.Argument(1) StringMap reusable,
        @Advice.Return(readOnly = false) StringMap data) {
      String[] ids = WeftBridge.logs().currentIds();
      if (ids == null || data == null) {
        return;
      }
      StringMap target = data;
      if (target != reusable || target.isFrozen()) {
        // Sized for the ids too, so the three puts below do not grow the arrays.
        target = new SortedArrayStringMap(data.size() + 3);
        target.putAll(data);
      }
      for (int i = 0; i < 6; i += 2) {
        if (target.getValue(ids[i]) == null) {
          target.putValue(ids[i], ids[i + 1]);
        }
      }
      data = target;
    }
  }
}
