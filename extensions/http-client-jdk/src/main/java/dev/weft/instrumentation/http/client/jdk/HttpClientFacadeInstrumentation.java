package dev.weft.instrumentation.http.client.jdk;

import static net.bytebuddy.matcher.ElementMatchers.isPublic;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;

import dev.weft.bootstrap.OperationKind;
import dev.weft.bootstrap.WeftBridge;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * Weaves {@code jdk.internal.net.http.HttpClientFacade}, the object that
 * {@code HttpClient.newHttpClient()} and {@code HttpClient.newBuilder().build()} hand to the
 * application (JDK 11 to 25). Its public {@code send} and two {@code sendAsync} each delegate
 * once to {@code HttpClientImpl} and never to one another, and the implementation never calls
 * back into the facade, so each call the application makes is recorded exactly once (redirects
 * and retries inside the client are part of it).
 *
 * <p>The request is immutable: to add the W3C headers the advice replaces the request argument
 * by a copy that carries them. A request whose {@code traceparent} the application set is sent
 * as it is; so is the original if the copy cannot be built.
 */
public final class HttpClientFacadeInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named("jdk.internal.net.http.HttpClientFacade");
  }

  @Override
  public void transform(TypeTransformer transformer) {
    transformer.applyAdviceToMethod(
        named("send")
            .or(named("sendAsync"))
            .and(isPublic())
            .and(takesArgument(0, named("java.net.http.HttpRequest"))),
        HttpClientFacadeInstrumentation.class.getName() + "$CallAdvice");
  }

  /**
   * Inlined into send and both sendAsync: only JDK types and the bootstrap bridge. send returns
   * the response; sendAsync returns a future, and the call ends when it completes.
   */
  @SuppressWarnings("unused")
  public static final class CallAdvice {

    private CallAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static Object onEnter(
        @Advice.Argument(value = 0, readOnly = false) HttpRequest request) {
      URI uri = request.uri();
      Object handle =
          WeftBridge.operations()
              .startCall(
                  OperationKind.named("http-client"),
                  request.method(),
                  uri.getScheme(),
                  uri.getHost(),
                  uri.getPort(),
                  uri.getRawPath());
      if (handle != null && !request.headers().firstValue("traceparent").isPresent()) {
        String[] headers = WeftBridge.operations().propagationHeaders(handle);
        if (headers.length > 0) {
          try {
            HttpRequest.Builder copy = HttpRequest.newBuilder(uri);
            String method = request.method();
            Optional<HttpRequest.BodyPublisher> body = request.bodyPublisher();
            if (body.isPresent()) {
              copy.method(method, body.get());
            } else if ("GET".equals(method)) {
              copy.GET();
            } else {
              copy.method(method, HttpRequest.BodyPublishers.noBody());
            }
            copy.expectContinue(request.expectContinue());
            Optional<Duration> timeout = request.timeout();
            if (timeout.isPresent()) {
              copy.timeout(timeout.get());
            }
            Optional<HttpClient.Version> version = request.version();
            if (version.isPresent()) {
              copy.version(version.get());
            }
            for (Map.Entry<String, List<String>> header : request.headers().map().entrySet()) {
              for (String value : header.getValue()) {
                copy.header(header.getKey(), value);
              }
            }
            for (int i = 0; i + 1 < headers.length; i += 2) {
              if (!request.headers().firstValue(headers[i]).isPresent()) {
                copy.header(headers[i], headers[i + 1]);
              }
            }
            request = copy.build();
          } catch (Throwable copyFailed) {
            // The original request goes out unchanged; the call is still recorded.
            WeftBridge.adviceFailed(copyFailed, "http-client-jdk");
          }
        }
      }
      return handle;
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(
        @Advice.Enter Object handle,
        @Advice.Return Object result,
        @Advice.Thrown Throwable thrown) {
      if (handle == null) {
        return;
      }
      if (result instanceof CompletableFuture) {
        // A dependent stage: the future the application holds is neither replaced nor changed.
        ((CompletableFuture<?>) result).whenComplete(new JdkHttpClientCallback(handle));
      } else if (result instanceof HttpResponse) {
        WeftBridge.operations().end(handle, ((HttpResponse<?>) result).statusCode(), null);
      } else {
        WeftBridge.operations().end(handle, -1, thrown);
      }
    }
  }
}
