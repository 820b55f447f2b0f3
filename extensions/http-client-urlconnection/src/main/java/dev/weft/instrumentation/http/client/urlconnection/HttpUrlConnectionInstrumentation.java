package dev.weft.instrumentation.http.client.urlconnection;

import static net.bytebuddy.matcher.ElementMatchers.isPublic;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.namedOneOf;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import java.net.HttpURLConnection;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * Weaves {@code sun.net.www.protocol.http.HttpURLConnection}, the JDK's implementation behind
 * {@code new URL("http://...").openConnection()}; the https connection delegates to a subclass of
 * it, so https is covered by the same methods. One call per connection: from the first
 * {@code connect}, {@code getOutputStream} or {@code getInputStream} to the response (every
 * response accessor, {@code getResponseCode} included, goes through {@code getInputStream}). The
 * bookkeeping is in {@link UrlConnectionCalls}, a helper class of the module (defined in
 * the bootstrap loader, next to the JDK).
 */
public final class HttpUrlConnectionInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named("sun.net.www.protocol.http.HttpURLConnection");
  }

  @Override
  public void transform(TypeTransformer transformer) {
    transformer.applyAdviceToMethod(
        namedOneOf("connect", "getOutputStream", "getInputStream")
            .and(isPublic())
            .and(takesArguments(0)),
        HttpUrlConnectionInstrumentation.class.getName() + "$CallAdvice");
  }

  /**
   * connect() and getOutputStream() may start the call and end it only if they throw (connection
   * refused, ...); getOutputStream() turns a GET into a POST, as the method itself does; the
   * outermost getInputStream() ends the call, returning or throwing. The method's name is a
   * constant in each woven copy.
   */
  @SuppressWarnings("unused")
  public static final class CallAdvice {

    private CallAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void onEnter(
        @Advice.This HttpURLConnection connection,
        @Advice.FieldValue("connected") boolean connected,
        @Advice.Origin("#m") String method) {
      UrlConnectionCalls.enter(connection, connected, "getOutputStream".equals(method));
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(
        @Advice.This HttpURLConnection connection,
        @Advice.FieldValue("responseCode") int responseCode,
        @Advice.Thrown Throwable thrown,
        @Advice.Origin("#m") String method) {
      UrlConnectionCalls.exit(connection, "getInputStream".equals(method), responseCode, thrown);
    }
  }
}
