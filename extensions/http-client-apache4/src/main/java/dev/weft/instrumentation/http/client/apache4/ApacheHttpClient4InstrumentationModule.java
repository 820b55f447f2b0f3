package dev.weft.instrumentation.http.client.apache4;

import io.opentelemetry.javaagent.extension.instrumentation.InstrumentationModule;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import java.util.Collections;
import java.util.List;

/** Client RED metrics, spans and W3C headers for Apache HttpClient 4 (classic API). */
public final class ApacheHttpClient4InstrumentationModule extends InstrumentationModule {

  public ApacheHttpClient4InstrumentationModule() {
    super("http-client-apache4");
  }

  @Override
  public List<TypeInstrumentation> typeInstrumentations() {
    return Collections.singletonList(new DoExecuteInstrumentation());
  }
}
