package dev.weft.instrumentation.http.client.okhttp;

import io.opentelemetry.javaagent.extension.instrumentation.InstrumentationModule;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/** Client RED metrics, spans and W3C headers for OkHttp 4 (synchronous and asynchronous calls). */
public final class OkHttpInstrumentationModule extends InstrumentationModule {

  public OkHttpInstrumentationModule() {
    super("http-client-okhttp");
  }

  @Override
  public List<TypeInstrumentation> typeInstrumentations() {
    return Arrays.asList(new InterceptorChainInstrumentation(), new RealCallInstrumentation());
  }

  /** JDK-only helper: defined once in the bootstrap loader, shared by every copy of OkHttp. */
  @Override
  public List<String> getAdditionalHelperClassNames() {
    return Collections.singletonList(PendingContexts.class.getName());
  }
}
