package dev.weft.instrumentation.grpc.v1;

import static net.bytebuddy.matcher.ElementMatchers.isMethod;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import io.grpc.Metadata;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * Weaves {@code start} of gRPC's own call ({@code io.grpc.internal.ClientCallImpl}, under every
 * transport), the last step before the metadata is sent, after every interceptor of the channel:
 * see {@link GrpcClientInterceptor#beforeSend}.
 */
public final class ClientCallStartInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<ClassLoader> classLoaderOptimization() {
    return loader ->
        loader != null && loader.getResource("io/grpc/internal/ClientCallImpl.class") != null;
  }

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named("io.grpc.internal.ClientCallImpl");
  }

  @Override
  public void transform(TypeTransformer transformer) {
    transformer.applyAdviceToMethod(
        isMethod()
            .and(named("start"))
            .and(takesArguments(2))
            .and(takesArgument(1, named("io.grpc.Metadata"))),
        ClientCallStartInstrumentation.class.getName() + "$StartAdvice");
  }

  /** Inlined into start(listener, headers). */
  @SuppressWarnings("unused")
  public static final class StartAdvice {

    private StartAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void onEnter(@Advice.Argument(1) Metadata headers) {
      GrpcClientInterceptor.beforeSend(headers);
    }
  }
}
