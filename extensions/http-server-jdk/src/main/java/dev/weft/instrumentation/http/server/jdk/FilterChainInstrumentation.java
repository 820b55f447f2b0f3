package dev.weft.instrumentation.http.server.jdk;

import static net.bytebuddy.matcher.ElementMatchers.isPublic;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsServer;
import dev.weft.bootstrap.HeaderFields;
import dev.weft.bootstrap.OperationKind;
import dev.weft.bootstrap.Operations;
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
    public static Object onEnter(@Advice.Argument(0) HttpExchange exchange) {
      HttpContext context = exchange.getHttpContext();
      Operations operations = WeftBridge.operations();
      // Headers.getFirst copies the name it is given (JDK 17): only read when spans are recorded.
      Headers headers = operations.tracing() ? exchange.getRequestHeaders() : null;
      return operations
          .startRequest(
              OperationKind.named("http-server"),
              context.getHandler(),
              exchange.getRequestMethod(),
              context.getPath(),
              context.getServer() instanceof HttpsServer ? "https" : "http",
              exchange.getRequestURI().getRawPath(),
              headers == null ? null : HeaderFields.join(headers.get("traceparent")),
              headers == null ? null : HeaderFields.join(headers.get("tracestate")),
              headers == null ? null : HeaderFields.join(headers.get("baggage")));
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(
        @Advice.Enter Object handle,
        @Advice.Argument(0) HttpExchange exchange,
        @Advice.Thrown Throwable thrown) {
      if (handle == null) {
        return;
      }
      int status = -1;
      try {
        status = exchange.getResponseCode();
      } catch (Throwable ignored) {
        // end() must be reached whatever the exchange does: it unwinds the nesting.
      }
      WeftBridge.operations().end(handle, status, thrown, null);
    }
  }
}
