package dev.weft.smoke.throwing;

import static net.bytebuddy.matcher.ElementMatchers.named;

import io.opentelemetry.javaagent.extension.instrumentation.InstrumentationModule;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import java.util.Collections;
import java.util.List;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * A deliberately broken extension: its advice on {@code dev.weft.smoke.HelloHandler#handle} throws
 * every time. Weft must swallow each failure, count it in {@code
 * weft_agent_errors_total{module="test-throwing"}}, log it once, and leave the handler's behaviour
 * unchanged.
 */
public final class ThrowingInstrumentationModule extends InstrumentationModule {

  public ThrowingInstrumentationModule() {
    super("test-throwing");
  }

  @Override
  public List<TypeInstrumentation> typeInstrumentations() {
    return Collections.singletonList(new HelloHandlerInstrumentation());
  }

  /** Matches the smoke service's named handler class. */
  public static final class HelloHandlerInstrumentation implements TypeInstrumentation {

    @Override
    public ElementMatcher<TypeDescription> typeMatcher() {
      return named("dev.weft.smoke.HelloHandler");
    }

    @Override
    public void transform(TypeTransformer transformer) {
      transformer.applyAdviceToMethod(
          named("handle"), ThrowingInstrumentationModule.class.getName() + "$HandleAdvice");
    }
  }

  /** Inlined advice (the default); {@code suppress} lets Weft's exception handler take over. */
  public static final class HandleAdvice {

    private HandleAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void onEnter() {
      throw new IllegalStateException("weft test extension: deliberate advice failure");
    }
  }
}
