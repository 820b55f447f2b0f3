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
 * Weaves {@code reactor.core.publisher.Hooks}: when the class is initialised (before any operator
 * is assembled: every {@code Flux} and {@code Mono} operator reads its hooks) Weft's operator hook
 * is registered, and again after the application clears every operator hook with {@code
 * resetOnEachOperator()}.
 */
public final class HooksInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named("reactor.core.publisher.Hooks");
  }

  @Override
  public void transform(TypeTransformer transformer) {
    String self = HooksInstrumentation.class.getName();
    transformer.applyAdviceToMethod(
        isTypeInitializer().or(named("resetOnEachOperator").and(takesArguments(0))),
        self + "$RegisterAdvice");
  }

  /** Hooks are ready, or were all cleared: Weft's goes (back) in. */
  @SuppressWarnings("unused")
  public static final class RegisterAdvice {

    private RegisterAdvice() {}

    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void onExit() {
      ReactorContexts.registerOperatorHook();
    }
  }
}
