package dev.weft.instrumentation.reactor.netty.v1;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * Weaves the route handler of Reactor Netty's own routing ({@code HttpServer.route(routes ->
 * routes.get("/orders/{id}", ...))}): {@code DefaultHttpServerRoutes$HttpRouteHandler.apply}
 * runs the handler of the route that matched, and its {@code getPath()} is the route's template,
 * which becomes the request's endpoint.
 */
public final class RoutesInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named("reactor.netty.http.server.DefaultHttpServerRoutes$HttpRouteHandler");
  }

  @Override
  public void transform(TypeTransformer transformer) {
    transformer.applyAdviceToMethod(
        named("apply")
            .and(takesArguments(2))
            .and(takesArgument(0, named("reactor.netty.http.server.HttpServerRequest"))),
        RoutesInstrumentation.class.getName() + "$ApplyAdvice");
  }

  /** A route matched: its template is the request's endpoint. */
  @SuppressWarnings("unused")
  public static final class ApplyAdvice {

    private ApplyAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void onEnter(
        @Advice.This reactor.netty.http.server.HttpRouteHandlerMetadata route,
        @Advice.Argument(0) Object request) {
      ReactorNettyRoutes.matched(request, route.getPath());
    }
  }
}
