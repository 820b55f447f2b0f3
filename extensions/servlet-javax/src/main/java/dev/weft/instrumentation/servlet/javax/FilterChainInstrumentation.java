package dev.weft.instrumentation.servlet.javax;

import static net.bytebuddy.matcher.ElementMatchers.isPublic;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.namedOneOf;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * The containers' own filter chains, by class name (no super-type matching: that would cost every
 * class loaded at start-up a look at its hierarchy). The outermost {@code doFilter} is the entry
 * of a request into the web application, so a filter that answers without calling the servlet is
 * counted too. Every filter calls the chain again: those calls are nested and cost a thread-local
 * check.
 *
 * <p>Tomcat 9-11: {@code ApplicationFilterChain}. Jetty 9.4: {@code ServletHandler$CachedChain}
 * and {@code $Chain}. Jetty 10, 11 and 12 (ee8-ee11): {@code ServletHandler$Chain}, one link per
 * filter (the servlet at the end is reached through {@code HttpServlet.service}).
 */
public final class FilterChainInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<ClassLoader> classLoaderOptimization() {
    return new ServletApiPresent();
  }

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return namedOneOf(
        "org.apache.catalina.core.ApplicationFilterChain",
        "org.eclipse.jetty.servlet.ServletHandler$CachedChain",
        "org.eclipse.jetty.servlet.ServletHandler$Chain",
        "org.eclipse.jetty.ee8.servlet.ServletHandler$Chain",
        "org.eclipse.jetty.ee9.servlet.ServletHandler$Chain",
        "org.eclipse.jetty.ee10.servlet.ServletHandler$Chain",
        "org.eclipse.jetty.ee11.servlet.ServletHandler$Chain");
  }

  @Override
  public void transform(TypeTransformer transformer) {
    transformer.applyAdviceToMethod(
        named("doFilter")
            .and(isPublic())
            .and(takesArguments(2))
            .and(takesArgument(0, named(ServletNames.SERVLET_REQUEST)))
            .and(takesArgument(1, named(ServletNames.SERVLET_RESPONSE))),
        ServletAdvice.class.getName());
  }
}
