package dev.weft.instrumentation.http.client.urlconnection;

import static net.bytebuddy.matcher.ElementMatchers.isPublic;
import static net.bytebuddy.matcher.ElementMatchers.named;
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
        named("connect").and(isPublic()).and(takesArguments(0)),
        HttpUrlConnectionInstrumentation.class.getName() + "$ConnectAdvice");
    transformer.applyAdviceToMethod(
        named("getOutputStream").and(isPublic()).and(takesArguments(0)),
        HttpUrlConnectionInstrumentation.class.getName() + "$OutputAdvice");
    transformer.applyAdviceToMethod(
        named("getInputStream").and(isPublic()).and(takesArguments(0)),
        HttpUrlConnectionInstrumentation.class.getName() + "$InputAdvice");
  }

  /** connect(): may start the call; ends it only if it throws (connection refused, ...). */
  @SuppressWarnings("unused")
  public static final class ConnectAdvice {

    private ConnectAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void onEnter(
        @Advice.This HttpURLConnection connection,
        @Advice.FieldValue("connected") boolean connected) {
      UrlConnectionCalls.enter(connection, connected, false);
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(
        @Advice.This HttpURLConnection connection,
        @Advice.FieldValue("responseCode") int responseCode,
        @Advice.Thrown Throwable thrown) {
      UrlConnectionCalls.exit(connection, false, responseCode, thrown);
    }
  }

  /** getOutputStream(): like connect, and turns GET into POST as the method itself does. */
  @SuppressWarnings("unused")
  public static final class OutputAdvice {

    private OutputAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void onEnter(
        @Advice.This HttpURLConnection connection,
        @Advice.FieldValue("connected") boolean connected) {
      UrlConnectionCalls.enter(connection, connected, true);
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(
        @Advice.This HttpURLConnection connection,
        @Advice.FieldValue("responseCode") int responseCode,
        @Advice.Thrown Throwable thrown) {
      UrlConnectionCalls.exit(connection, false, responseCode, thrown);
    }
  }

  /** getInputStream(): the outermost one ends the call, returning or throwing. */
  @SuppressWarnings("unused")
  public static final class InputAdvice {

    private InputAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void onEnter(
        @Advice.This HttpURLConnection connection,
        @Advice.FieldValue("connected") boolean connected) {
      UrlConnectionCalls.enter(connection, connected, false);
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(
        @Advice.This HttpURLConnection connection,
        @Advice.FieldValue("responseCode") int responseCode,
        @Advice.Thrown Throwable thrown) {
      UrlConnectionCalls.exit(connection, true, responseCode, thrown);
    }
  }
}
