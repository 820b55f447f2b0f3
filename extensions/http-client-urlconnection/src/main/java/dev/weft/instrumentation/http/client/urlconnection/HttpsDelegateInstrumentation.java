package dev.weft.instrumentation.http.client.urlconnection;

import static net.bytebuddy.matcher.ElementMatchers.isPublic;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * The https delegate ({@code sun.net.www.protocol.https.AbstractDelegateHttpsURLConnection})
 * inherits getInputStream and getOutputStream but overrides {@code connect}: an explicit
 * {@code connect()} on an https connection must start the call (and add the headers) too.
 */
public final class HttpsDelegateInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named("sun.net.www.protocol.https.AbstractDelegateHttpsURLConnection");
  }

  @Override
  public void transform(TypeTransformer transformer) {
    transformer.applyAdviceToMethod(
        named("connect").and(isPublic()).and(takesArguments(0)),
        HttpUrlConnectionInstrumentation.class.getName() + "$CallAdvice");
  }
}
