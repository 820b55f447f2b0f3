package dev.weft.instrumentation.reactor.netty.v1;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.namedOneOf;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;
import reactor.core.CoreSubscriber;
import reactor.netty.Connection;
import reactor.netty.ConnectionObserver;
import reactor.netty.http.client.HttpClientConfig;
import reactor.util.context.Context;

/**
 * Weaves two nested classes of Reactor Netty's {@code reactor.netty.http.client.HttpClientConnect}
 * (both with these names, fields and signatures from 1.1.0 to 1.3.x):
 *
 * <ul>
 *   <li>{@code MonoHttpConnect.subscribe(CoreSubscriber)}: every HTTP client request (and so every
 *       {@code WebClient} exchange) is a subscription to it; its subscriber is wrapped in a
 *       {@link ReactorClientCall}, which starts the call in the subscribing thread's context;
 *   <li>{@code HttpIOHandlerObserver.onStateChange(Connection, State)}: at {@code CONFIGURED} it
 *       is about to write the request on the connection it was given; its {@code currentContext}
 *       (copied from the subscriber's) names the {@link ReactorClientCall}, which Weft's handler
 *       in that connection's pipeline then takes for the request it writes.
 * </ul>
 */
public final class HttpClientConnectInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<ClassLoader> classLoaderOptimization() {
    return loader ->
        loader != null
            && loader.getResource("reactor/netty/http/client/HttpClientConnect.class") != null;
  }

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return namedOneOf(
        "reactor.netty.http.client.HttpClientConnect$MonoHttpConnect",
        "reactor.netty.http.client.HttpClientConnect$HttpIOHandlerObserver");
  }

  @Override
  public void transform(TypeTransformer transformer) {
    String self = HttpClientConnectInstrumentation.class.getName();
    transformer.applyAdviceToMethod(
        named("subscribe")
            .and(takesArguments(1))
            .and(takesArgument(0, named("reactor.core.CoreSubscriber"))),
        self + "$SubscribeAdvice");
    transformer.applyAdviceToMethod(
        named("onStateChange")
            .and(takesArguments(2))
            .and(takesArgument(0, named("reactor.netty.Connection"))),
        self + "$StateChangeAdvice");
  }

  /** A subscription to the HTTP connect Mono: its subscriber is wrapped. */
  @SuppressWarnings("unused")
  public static final class SubscribeAdvice {

    private SubscribeAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void onEnter(
        @Advice.FieldValue("config") HttpClientConfig config,
        @Advice.Argument(value = 0, readOnly = false) CoreSubscriber<?> actual) {
      actual = ReactorClientCall.subscribed(actual, config);
    }
  }

  /** A connection is configured for the request: Weft's handler learns whose request it is. */
  @SuppressWarnings("unused")
  public static final class StateChangeAdvice {

    private StateChangeAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void onEnter(
        @Advice.FieldValue("currentContext") Context context,
        @Advice.Argument(0) Connection connection,
        @Advice.Argument(1) ConnectionObserver.State state) {
      ReactorClientCall.configured(context, connection, state);
    }
  }
}
