package dev.weft.instrumentation.http.client.apache5;

import io.opentelemetry.javaagent.extension.instrumentation.InstrumentationModule;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import java.util.Collections;
import java.util.List;

/** Client RED metrics, spans and W3C headers for Apache HttpClient 5 (classic API). */
public final class ApacheHttpClient5InstrumentationModule extends InstrumentationModule {

  public ApacheHttpClient5InstrumentationModule() {
    super("http-client-apache5");
  }

  @Override
  public List<TypeInstrumentation> typeInstrumentations() {
    return Collections.singletonList(new DoExecuteInstrumentation());
  }
}
