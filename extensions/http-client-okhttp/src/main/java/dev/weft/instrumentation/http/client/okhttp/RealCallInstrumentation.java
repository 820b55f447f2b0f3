package dev.weft.instrumentation.http.client.okhttp;

import static net.bytebuddy.matcher.ElementMatchers.isPublic;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.namedOneOf;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * Weaves {@code RealCall#enqueue(Callback)} ({@code okhttp3.RealCall} in early 4.x versions,
 * {@code okhttp3.internal.connection.RealCall} in later ones): remembers the caller's trace context
 * for the dispatcher thread that will run the call. Nothing is counted here.
 */
public final class RealCallInstrumentation implements TypeInstrumentation {

  /**
   * Only loaders that hold the library: checked before the advice's library references, so
   * loaders without it (the JDK's own) are skipped quietly.
   */
  @Override
  public ElementMatcher<ClassLoader> classLoaderOptimization() {
    return loader -> loader != null && loader.getResource("okhttp3/OkHttpClient.class") != null;
  }

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return namedOneOf("okhttp3.RealCall", "okhttp3.internal.connection.RealCall");
  }

  @Override
  public void transform(TypeTransformer transformer) {
    transformer.applyAdviceToMethod(
        named("enqueue").and(isPublic()).and(takesArguments(1)),
        RealCallInstrumentation.class.getName() + "$EnqueueAdvice");
  }

  /** Inlined into enqueue. */
  @SuppressWarnings("unused")
  public static final class EnqueueAdvice {

    private EnqueueAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void onEnter(@Advice.This Object call) {
      PendingContexts.capture(call);
    }
  }
}
