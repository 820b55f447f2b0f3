package dev.weft.instrumentation.executors;

import static net.bytebuddy.matcher.ElementMatchers.named;

import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * Jetty's {@code QueuedThreadPool} starts its workers as plain {@code java.lang.Thread}s, often
 * from a thread that is serving a request. Like the JDK pool's {@code addWorker}, its
 * {@code startThread} (Jetty 10 to 12) and {@code startThreads} (Jetty 9.4) capture nothing, so a
 * worker never keeps a request's context for its whole life. (Tomcat's and Netty's workers are
 * {@code Thread} subclasses, which the {@code Thread} advice leaves alone anyway.)
 */
public final class JettyThreadPoolInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named("org.eclipse.jetty.util.thread.QueuedThreadPool");
  }

  @Override
  public void transform(TypeTransformer transformer) {
    transformer.applyAdviceToMethod(
        named("startThread").or(named("startThreads")),
        TaskArgumentAdvice.class.getName() + "$SuppressCapture");
  }
}
