package dev.weft.instrumentation.http.client.urlconnection;

import io.opentelemetry.javaagent.extension.instrumentation.InstrumentationModule;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/** Client RED metrics, spans and W3C headers for the JDK's {@code HttpURLConnection}. */
public final class UrlConnectionInstrumentationModule extends InstrumentationModule {

  public UrlConnectionInstrumentationModule() {
    super("http-client-urlconnection");
  }

  @Override
  public List<TypeInstrumentation> typeInstrumentations() {
    return Arrays.asList(new HttpUrlConnectionInstrumentation(), new HttpsDelegateInstrumentation());
  }

  /** JDK-only helper: defined once in the bootstrap loader, next to HttpURLConnection. */
  @Override
  public List<String> getAdditionalHelperClassNames() {
    return Collections.singletonList(UrlConnectionCalls.class.getName());
  }
}
