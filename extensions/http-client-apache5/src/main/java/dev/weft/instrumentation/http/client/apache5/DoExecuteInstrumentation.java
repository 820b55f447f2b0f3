package dev.weft.instrumentation.http.client.apache5;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.namedOneOf;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.weft.bootstrap.OperationKind;
import dev.weft.bootstrap.WeftBridge;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.HttpResponse;
import org.apache.hc.core5.net.URIAuthority;

/**
 * Weaves {@code doExecute(HttpHost, ClassicHttpRequest, HttpContext)} of the classic
 * {@code InternalHttpClient} (what {@code HttpClients.createDefault()} and the builder make) and
 * {@code MinimalHttpClient}: every {@code execute} overload ends there exactly once; retries and
 * redirects happen inside.
 *
 * <p>The W3C headers are set on the application's request before the client copies it (or sends
 * it, for the minimal client), and removed when the call returns, so a request object sent twice
 * gets a fresh {@code traceparent} each time. A request with its own {@code traceparent} is left
 * alone.
 */
public final class DoExecuteInstrumentation implements TypeInstrumentation {

  /**
   * Only loaders that hold the library: checked before the advice's library references, so
   * loaders without it (the JDK's own) are skipped quietly.
   */
  @Override
  public ElementMatcher<ClassLoader> classLoaderOptimization() {
    return loader -> loader != null && loader.getResource("org/apache/hc/client5/http/impl/classic/CloseableHttpClient.class") != null;
  }

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return namedOneOf(
        "org.apache.hc.client5.http.impl.classic.InternalHttpClient",
        "org.apache.hc.client5.http.impl.classic.MinimalHttpClient");
  }

  @Override
  public void transform(TypeTransformer transformer) {
    transformer.applyAdviceToMethod(
        named("doExecute")
            .and(takesArguments(3))
            .and(takesArgument(0, named("org.apache.hc.core5.http.HttpHost")))
            .and(takesArgument(1, named("org.apache.hc.core5.http.ClassicHttpRequest"))),
        DoExecuteInstrumentation.class.getName() + "$DoExecuteAdvice");
  }

  /** Inlined into doExecute: only HttpClient 5 types, JDK types and the bootstrap bridge. */
  @SuppressWarnings("unused")
  public static final class DoExecuteAdvice {

    private DoExecuteAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static Object onEnter(
        @Advice.Argument(0) HttpHost target,
        @Advice.Argument(1) ClassicHttpRequest request,
        @Advice.Local("weftAdded") String[] added) {
      String scheme = request.getScheme();
      String host = null;
      int port = -1;
      if (target != null) {
        scheme = target.getSchemeName();
        host = target.getHostName();
        port = target.getPort();
      } else {
        URIAuthority authority = request.getAuthority();
        if (authority != null) {
          host = authority.getHostName();
          port = authority.getPort();
        }
      }
      String path = request.getPath();
      if (path != null) {
        int query = path.indexOf('?');
        if (query >= 0) {
          path = path.substring(0, query);
        }
      }
      Object handle =
          WeftBridge.operations()
              .startCall(
                  OperationKind.named("http-client"), request.getMethod(), scheme, host, port, path);
      if (handle != null && request.getFirstHeader("traceparent") == null) {
        String[] headers = WeftBridge.operations().propagationHeaders(handle);
        for (int i = 0; i + 1 < headers.length; i += 2) {
          if (request.getFirstHeader(headers[i]) == null) {
            request.setHeader(headers[i], headers[i + 1]);
            added = headers;
          }
        }
      }
      return handle;
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(
        @Advice.Enter Object handle,
        @Advice.Argument(1) ClassicHttpRequest request,
        @Advice.Local("weftAdded") String[] added,
        @Advice.Return HttpResponse response,
        @Advice.Thrown Throwable thrown) {
      if (added != null) {
        // Take back exactly what the enter advice set (same name and value).
        for (int i = 0; i + 1 < added.length; i += 2) {
          Header header = request.getFirstHeader(added[i]);
          if (header != null && added[i + 1].equals(header.getValue())) {
            request.removeHeader(header);
          }
        }
      }
      if (handle != null) {
        int status = response != null ? response.getCode() : -1;
        WeftBridge.operations().end(handle, status, status >= 100 ? null : thrown);
      }
    }
  }
}
