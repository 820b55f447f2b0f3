package dev.weft.instrumentation.kafka.clients;

import static net.bytebuddy.matcher.ElementMatchers.isAbstract;
import static net.bytebuddy.matcher.ElementMatchers.isMethod;
import static net.bytebuddy.matcher.ElementMatchers.namedOneOf;
import static net.bytebuddy.matcher.ElementMatchers.none;
import static net.bytebuddy.matcher.ElementMatchers.not;

import dev.weft.bootstrap.WeftBridge;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import java.util.ArrayList;
import java.util.List;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * The handlers named in {@code weft.dlq.handlers} ({@code Class#method}, every overload): methods
 * that take a record's value or key rather than the record. When the outermost such frame throws,
 * the record that failed is the one this thread is processing (taken from a poll's iteration).
 */
public final class ConfiguredHandlerInstrumentation implements TypeInstrumentation {

  private final List<String> classes = new ArrayList<>();
  private final List<String[]> methods = new ArrayList<>();

  public ConfiguredHandlerInstrumentation() {
    for (String handler : WeftBridge.failures().handlers()) {
      int hash = handler.indexOf('#');
      if (hash > 0) {
        classes.add(handler.substring(0, hash));
        methods.add(new String[] {handler.substring(0, hash), handler.substring(hash + 1)});
      }
    }
  }

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return classes.isEmpty() ? none() : namedOneOf(classes.toArray(new String[0]));
  }

  @Override
  public void transform(TypeTransformer transformer) {
    transformer.applyAdviceToMethod(
        isMethod().and(not(isAbstract())).and(this::configured),
        ConfiguredHandlerInstrumentation.class.getName() + "$HandlerAdvice");
  }

  private boolean configured(MethodDescription method) {
    String owner = method.getDeclaringType().asErasure().getName();
    for (String[] m : methods) {
      if (m[0].equals(owner) && m[1].equals(method.getName())) {
        return true;
      }
    }
    return false;
  }

  @SuppressWarnings("unused")
  public static final class HandlerAdvice {
    private HandlerAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void onEnter() {
      WeftBridge.failures().handlerEntered();
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(@Advice.Thrown Throwable thrown) {
      WeftBridge.failures().handlerExited(thrown, null);
    }
  }
}
