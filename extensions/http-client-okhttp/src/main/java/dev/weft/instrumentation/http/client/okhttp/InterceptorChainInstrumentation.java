package dev.weft.instrumentation.http.client.okhttp;

import static net.bytebuddy.matcher.ElementMatchers.isPublic;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.weft.bootstrap.OperationKind;
import dev.weft.bootstrap.WeftBridge;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;
import okhttp3.HttpUrl;
import okhttp3.Request;
import okhttp3.Response;

/**
 * Weaves {@code okhttp3.internal.http.RealInterceptorChain#proceed(Request)} where the chain's
 * {@code index} is 0: the call's first step into its interceptors, made exactly once per call by
 * {@code RealCall}, for {@code execute()} on the caller's thread and for {@code enqueue()} on the
 * dispatcher's. Nothing else in OkHttp 4 reaches that point (interceptors proceed on chains of
 * index 1 and above), and its name and shape are the same from 4.0 to 4.12, unlike the
 * Kotlin-mangled {@code getResponseWithInterceptorChain$okhttp} of later 4.x versions.
 *
 * <p>The W3C headers go into the request handed to the interceptors (a copy made with
 * {@code newBuilder().header(...)}): the {@code Call}'s own request, which the application
 * holds, is not changed. A request with its own {@code traceparent} is left alone.
 */
public final class InterceptorChainInstrumentation implements TypeInstrumentation {

  /**
   * Only loaders that hold the library: checked before the advice's library references, so
   * loaders without it (the JDK's own) are skipped quietly.
   */
  @Override
  public ElementMatcher<ClassLoader> classLoaderOptimization() {
    return loader -> loader != null && loader.getResource("okhttp3/OkHttpClient.class") != null;
  }

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named("okhttp3.internal.http.RealInterceptorChain");
  }

  @Override
  public void transform(TypeTransformer transformer) {
    transformer.applyAdviceToMethod(
        named("proceed")
            .and(isPublic())
            .and(takesArguments(1))
            .and(takesArgument(0, named("okhttp3.Request"))),
        InterceptorChainInstrumentation.class.getName() + "$ProceedAdvice");
  }

  /** Inlined into proceed: only OkHttp types, JDK types and the bootstrap bridge. */
  @SuppressWarnings("unused")
  public static final class ProceedAdvice {

    private ProceedAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static Object onEnter(
        @Advice.FieldValue("index") int index,
        @Advice.FieldValue("call") Object call,
        @Advice.Argument(value = 0, readOnly = false) Request request) {
      if (index != 0) {
        return null;
      }
      // An enqueued call runs on a dispatcher thread: its span's parent is the context that
      // was current where enqueue was called.
      Object scope = null;
      Object pending = PendingContexts.take(call);
      if (pending != null) {
        scope = WeftBridge.context().attach(pending);
      }
      Object handle;
      try {
        HttpUrl url = request.url();
        handle =
            WeftBridge.operations()
                .startCall(
                    OperationKind.named("http-client"),
                    request.method(),
                    url.scheme(),
                    url.host(),
                    url.port(),
                    url.encodedPath());
      } finally {
        WeftBridge.context().detach(scope);
      }
      if (handle != null && request.header("traceparent") == null) {
        String[] headers = WeftBridge.operations().propagationHeaders(handle);
        if (headers.length > 0) {
          Request.Builder copy = request.newBuilder();
          for (int i = 0; i + 1 < headers.length; i += 2) {
            if (request.header(headers[i]) == null) {
              copy.header(headers[i], headers[i + 1]);
            }
          }
          request = copy.build();
        }
      }
      return handle;
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(
        @Advice.Enter Object handle,
        @Advice.Return Response response,
        @Advice.Thrown Throwable thrown) {
      if (handle != null) {
        WeftBridge.operations()
            .end(handle, response != null ? response.code() : -1, response != null ? null : thrown);
      }
    }
  }
}
