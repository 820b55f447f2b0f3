package dev.weft.instrumentation.reactor.core.v3;

import static net.bytebuddy.matcher.ElementMatchers.isTypeInitializer;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * Weaves {@code reactor.core.scheduler.Schedulers}: when the class is initialised Weft's schedule
 * hook is registered (every task any Reactor scheduler runs passes through it, including schedulers
 * made from the application's own executors), and again after {@code resetOnScheduleHooks()}.
 */
public final class SchedulersInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named("reactor.core.scheduler.Schedulers");
  }

  @Override
  public void transform(TypeTransformer transformer) {
    String self = SchedulersInstrumentation.class.getName();
    transformer.applyAdviceToMethod(
        isTypeInitializer().or(named("resetOnScheduleHooks").and(takesArguments(0))),
        self + "$RegisterAdvice");
  }

  /** Schedulers are ready, or their hooks were all cleared: Weft's goes (back) in. */
  @SuppressWarnings("unused")
  public static final class RegisterAdvice {

    private RegisterAdvice() {}

    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void onExit() {
      ReactorContexts.registerScheduleHook();
    }
  }
}
