package dev.weft.instrumentation.jdkhttp;

import static net.bytebuddy.matcher.ElementMatchers.isPublic;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import dev.weft.bootstrap.HttpServerRecorder;
import dev.weft.bootstrap.WeftBridge;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * Weaves {@code com.sun.net.httpserver.Filter.Chain#doFilter(HttpExchange)}, the public JDK class
 * through which the server dispatches every request: first through the user's filters, then the
 * handler. Hooking the chain rather than handler classes also covers lambda handlers, which an
 * agent cannot transform. The outermost call on a thread is the request; filters re-entering the
 * chain are nested calls and are not counted again.
 */
public final class FilterChainInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named("com.sun.net.httpserver.Filter$Chain");
  }

  @Override
  public void transform(TypeTransformer transformer) {
    transformer.applyAdviceToMethod(
        named("doFilter")
            .and(isPublic())
            .and(takesArguments(1))
            .and(takesArgument(0, named("com.sun.net.httpserver.HttpExchange"))),
        FilterChainInstrumentation.class.getName() + "$DoFilterAdvice");
  }

  /** Inlined into doFilter: only JDK types and the bootstrap bridge are referenced. */
  @SuppressWarnings("unused")
  public static final class DoFilterAdvice {

    private DoFilterAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static long onEnter(@Advice.Argument(0) HttpExchange exchange) {
      HttpContext context = exchange.getHttpContext();
      return WeftBridge.httpServer()
          .start(context.getHandler(), exchange.getRequestMethod(), context.getPath());
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(
        @Advice.Enter long token,
        @Advice.Argument(0) HttpExchange exchange,
        @Advice.Thrown Throwable thrown) {
      if (token == HttpServerRecorder.SKIP) {
        return;
      }
      int status = -1;
      try {
        status = exchange.getResponseCode();
      } catch (Throwable ignored) {
        // end() must be reached whatever the exchange does: it unwinds the nesting.
      }
      WeftBridge.httpServer().end(token, status, thrown);
    }
  }
}
