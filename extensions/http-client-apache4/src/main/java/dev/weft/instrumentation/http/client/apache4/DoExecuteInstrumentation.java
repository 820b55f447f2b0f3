package dev.weft.instrumentation.http.client.apache4;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.namedOneOf;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.weft.bootstrap.OperationKind;
import dev.weft.bootstrap.WeftBridge;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import java.net.URI;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;
import org.apache.http.Header;
import org.apache.http.HttpHost;
import org.apache.http.HttpRequest;
import org.apache.http.HttpResponse;
import org.apache.http.client.methods.HttpUriRequest;

/**
 * Weaves {@code doExecute(HttpHost, HttpRequest, HttpContext)} of the three concrete clients
 * (the builder's {@code InternalHttpClient}, {@code MinimalHttpClient} and the deprecated
 * {@code AbstractHttpClient} family): every {@code execute} overload of
 * {@code CloseableHttpClient} ends there exactly once, and retries and redirects happen inside.
 *
 * <p>The W3C headers are set on the application's request before the client copies it into its
 * internal wrapper, and removed again when the call returns: a request object the application
 * sends twice gets a fresh {@code traceparent} each time and keeps no trace of Weft. A request
 * that carries its own {@code traceparent} is left alone.
 */
public final class DoExecuteInstrumentation implements TypeInstrumentation {

  /**
   * Only loaders that hold the library: checked before the advice's library references, so
   * loaders without it (the JDK's own) are skipped quietly.
   */
  @Override
  public ElementMatcher<ClassLoader> classLoaderOptimization() {
    return loader -> loader != null && loader.getResource("org/apache/http/impl/client/CloseableHttpClient.class") != null;
  }

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return namedOneOf(
        "org.apache.http.impl.client.InternalHttpClient",
        "org.apache.http.impl.client.MinimalHttpClient",
        "org.apache.http.impl.client.AbstractHttpClient");
  }

  @Override
  public void transform(TypeTransformer transformer) {
    transformer.applyAdviceToMethod(
        named("doExecute")
            .and(takesArguments(3))
            .and(takesArgument(0, named("org.apache.http.HttpHost")))
            .and(takesArgument(1, named("org.apache.http.HttpRequest"))),
        DoExecuteInstrumentation.class.getName() + "$DoExecuteAdvice");
  }

  /** Inlined into doExecute: only HttpClient 4 types, JDK types and the bootstrap bridge. */
  @SuppressWarnings("unused")
  public static final class DoExecuteAdvice {

    private DoExecuteAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static Object onEnter(
        @Advice.Argument(0) HttpHost target,
        @Advice.Argument(1) HttpRequest request,
        @Advice.Local("weftAdded") String[] added) {
      String method = request.getRequestLine().getMethod();
      String scheme = null;
      String host = null;
      int port = -1;
      String path = null;
      URI uri = request instanceof HttpUriRequest ? ((HttpUriRequest) request).getURI() : null;
      if (uri == null) {
        try {
          uri = URI.create(request.getRequestLine().getUri());
        } catch (IllegalArgumentException notAUri) {
          // no path then
        }
      }
      if (uri != null) {
        path = uri.getRawPath();
        scheme = uri.getScheme();
        host = uri.getHost();
        port = uri.getPort();
      }
      if (target != null) {
        scheme = target.getSchemeName();
        host = target.getHostName();
        port = target.getPort();
      }
      Object handle =
          WeftBridge.operations()
              .startCall(OperationKind.named("http-client"), method, scheme, host, port, path);
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
        @Advice.Argument(1) HttpRequest request,
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
        int status = -1;
        if (response != null && response.getStatusLine() != null) {
          status = response.getStatusLine().getStatusCode();
        }
        WeftBridge.operations().end(handle, status, status >= 100 ? null : thrown);
      }
    }
  }
}
