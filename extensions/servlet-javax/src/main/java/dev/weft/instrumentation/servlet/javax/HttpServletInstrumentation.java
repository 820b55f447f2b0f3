package dev.weft.instrumentation.servlet.javax;

import static net.bytebuddy.matcher.ElementMatchers.isPublic;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * {@code HttpServlet.service(ServletRequest, ServletResponse)}: the one method every HTTP servlet
 * runs, whatever it overrides (Spring's DispatcherServlet, containers' default servlets). On a
 * container whose filter chain is also woven it is a nested call and costs a thread-local check;
 * elsewhere (other containers, servlets called without a chain) it is the request.
 */
public final class HttpServletInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<ClassLoader> classLoaderOptimization() {
    return new ServletApiPresent();
  }

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named(ServletNames.HTTP_SERVLET);
  }

  @Override
  public void transform(TypeTransformer transformer) {
    transformer.applyAdviceToMethod(
        named("service")
            .and(isPublic())
            .and(takesArguments(2))
            .and(takesArgument(0, named(ServletNames.SERVLET_REQUEST)))
            .and(takesArgument(1, named(ServletNames.SERVLET_RESPONSE))),
        ServletAdvice.class.getName());
  }
}
