package dev.weft.instrumentation.http.client.jdk;

import io.opentelemetry.javaagent.extension.instrumentation.InstrumentationModule;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import java.util.Collections;
import java.util.List;

/** Client RED metrics, spans and W3C headers for {@code java.net.http.HttpClient}. */
public final class JdkHttpClientInstrumentationModule extends InstrumentationModule {

  public JdkHttpClientInstrumentationModule() {
    super("http-client-jdk");
  }

  @Override
  public List<TypeInstrumentation> typeInstrumentations() {
    return Collections.singletonList(new HttpClientFacadeInstrumentation());
  }

  /** JDK-only helper: defined once in the bootstrap loader. */
  @Override
  public List<String> getAdditionalHelperClassNames() {
    return Collections.singletonList(JdkHttpClientCallback.class.getName());
  }
}
