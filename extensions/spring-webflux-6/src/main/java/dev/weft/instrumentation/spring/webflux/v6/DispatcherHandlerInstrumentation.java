package dev.weft.instrumentation.spring.webflux.v6;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;
import org.springframework.web.server.ServerWebExchange;

/**
 * Weaves Spring WebFlux's {@code org.springframework.web.reactive.DispatcherHandler}: its private
 * {@code handleRequestWith(ServerWebExchange, Object)} (in Spring Framework 6.0.0 and 7.0.8 alike;
 * {@code invokeHandler}, its name in 5.x, is matched too, and a second call changes nothing) runs once a handler mapping found
 * the request's handler (and set the matched pattern on the exchange), just before the handler is
 * invoked. Only in class loaders that see
 * Reactor Netty's HTTP server: the route goes to the reactor-netty-1 module's handler.
 */
public final class DispatcherHandlerInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<ClassLoader> classLoaderOptimization() {
    return loader ->
        loader != null
            && loader.getResource("reactor/netty/http/server/HttpServer.class") != null;
  }

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named("org.springframework.web.reactive.DispatcherHandler");
  }

  @Override
  public void transform(TypeTransformer transformer) {
    transformer.applyAdviceToMethod(
        named("handleRequestWith")
            .or(named("invokeHandler"))
            .and(takesArguments(2))
            .and(takesArgument(0, named("org.springframework.web.server.ServerWebExchange"))),
        DispatcherHandlerInstrumentation.class.getName() + "$InvokeHandlerAdvice");
  }

  /** The handler is found: its route is known. */
  @SuppressWarnings("unused")
  public static final class InvokeHandlerAdvice {

    private InvokeHandlerAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void onEnter(@Advice.Argument(0) ServerWebExchange exchange) {
      WebFluxRoutes.handlerFound(exchange);
    }
  }
}
