package dev.weft.instrumentation.grpc.v1;

import static net.bytebuddy.matcher.ElementMatchers.hasSuperType;
import static net.bytebuddy.matcher.ElementMatchers.isAbstract;
import static net.bytebuddy.matcher.ElementMatchers.isMethod;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.nameContains;
import static net.bytebuddy.matcher.ElementMatchers.not;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import io.grpc.ManagedChannelBuilder;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * Weaves {@code build()} of every {@code io.grpc.ManagedChannelBuilder} (each transport's builder,
 * the forwarding builders and the one they forward to): the outermost adds Weft's client
 * interceptor, once per builder. Channel interceptors run in the reverse order of their adding:
 * added last, Weft's runs first, around the application's own, so they see its context.
 */
public final class ChannelBuilderInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<ClassLoader> classLoaderOptimization() {
    return loader -> loader != null && loader.getResource("io/grpc/ManagedChannelBuilder.class") != null;
  }

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    // By name first: a hierarchy is resolved only for classes named like a builder, never for
    // every class of the application. Not "ChannelBuilder": the builders that declare build()
    // include io.grpc.internal.ManagedChannelImplBuilder and AbstractManagedChannelImplBuilder (before 1.5x's
    // forwarding builders) and ForwardingChannelBuilder2.
    return nameContains("Builder")
        .and(not(named("io.grpc.ManagedChannelBuilder")))
        .and(hasSuperType(named("io.grpc.ManagedChannelBuilder")));
  }

  @Override
  public void transform(TypeTransformer transformer) {
    transformer.applyAdviceToMethod(
        isMethod().and(named("build")).and(takesArguments(0)).and(not(isAbstract())),
        ChannelBuilderInstrumentation.class.getName() + "$BuildAdvice");
  }

  /** Inlined into build(). */
  @SuppressWarnings("unused")
  public static final class BuildAdvice {

    private BuildAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void onEnter(@Advice.This ManagedChannelBuilder<?> builder) {
      GrpcBuilders.channelBuildStarts(builder);
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit() {
      GrpcBuilders.buildEnds();
    }
  }
}
