package dev.weft.instrumentation.grpc.v1;

import static net.bytebuddy.matcher.ElementMatchers.hasSuperType;
import static net.bytebuddy.matcher.ElementMatchers.isAbstract;
import static net.bytebuddy.matcher.ElementMatchers.isMethod;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.nameContains;
import static net.bytebuddy.matcher.ElementMatchers.not;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import io.grpc.ServerBuilder;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * Weaves {@code build()} of every {@code io.grpc.ServerBuilder} (each transport's builder, the
 * forwarding builders and the one they forward to): the outermost adds Weft's server interceptor,
 * once per builder. Added last, it runs first, so it sees every call the server's own
 * interceptors see, and the calls they refuse.
 */
public final class ServerBuilderInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<ClassLoader> classLoaderOptimization() {
    return loader -> loader != null && loader.getResource("io/grpc/ServerBuilder.class") != null;
  }

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    // By name first: a hierarchy is resolved only for classes named like a builder, never for
    // every class of the application. Not "ServerBuilder": the builders that declare build()
    // include io.grpc.internal.ServerImplBuilder and AbstractServerImplBuilder (before 1.5x's
    // forwarding builders) and ForwardingServerBuilder2.
    return nameContains("Builder")
        .and(not(named("io.grpc.ServerBuilder")))
        .and(hasSuperType(named("io.grpc.ServerBuilder")));
  }

  @Override
  public void transform(TypeTransformer transformer) {
    transformer.applyAdviceToMethod(
        isMethod().and(named("build")).and(takesArguments(0)).and(not(isAbstract())),
        ServerBuilderInstrumentation.class.getName() + "$BuildAdvice");
  }

  /** Inlined into build(). */
  @SuppressWarnings("unused")
  public static final class BuildAdvice {

    private BuildAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void onEnter(@Advice.This ServerBuilder<?> builder) {
      GrpcBuilders.serverBuildStarts(builder);
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit() {
      GrpcBuilders.buildEnds();
    }
  }
}
