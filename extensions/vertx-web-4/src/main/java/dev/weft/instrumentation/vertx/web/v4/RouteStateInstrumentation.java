package dev.weft.instrumentation.vertx.web.v4;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import io.vertx.ext.web.RoutingContext;
import java.util.regex.Pattern;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * Weaves Vert.x Web's {@code io.vertx.ext.web.impl.RouteState} (a route's immutable state): its
 * {@code handleContext(RoutingContextImplBase)} runs each time the router matched the route and
 * hands the request to the route's next handler (not for failure handlers: {@code
 * handleFailure}). The route's own fields tell its template: {@code path} (with its {@code
 * :params}; without the {@code *} of a prefix route, {@code exactPath} false), {@code pattern}
 * (a route declared by a regular expression has no path) and {@code name}. The class, the method
 * and these fields are the same from Vert.x Web 4.0.0 to 5.2.x.
 */
public final class RouteStateInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named("io.vertx.ext.web.impl.RouteState");
  }

  @Override
  public void transform(TypeTransformer transformer) {
    transformer.applyAdviceToMethod(
        named("handleContext").and(takesArguments(1)),
        RouteStateInstrumentation.class.getName() + "$HandleContextAdvice");
  }

  /** The router hands the request to one of this route's handlers. */
  @SuppressWarnings("unused")
  public static final class HandleContextAdvice {

    private HandleContextAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void onEnter(
        @Advice.Argument(0) RoutingContext context,
        @Advice.FieldValue("path") String path,
        @Advice.FieldValue("exactPath") boolean exactPath,
        @Advice.FieldValue("pattern") Pattern pattern,
        @Advice.FieldValue("name") String name) {
      VertxRoutes.routeMatched(context, path, exactPath, pattern, name);
    }
  }
}
