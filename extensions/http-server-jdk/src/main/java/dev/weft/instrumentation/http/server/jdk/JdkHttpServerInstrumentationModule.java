package dev.weft.instrumentation.http.server.jdk;

import io.opentelemetry.javaagent.extension.instrumentation.InstrumentationModule;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import java.util.Collections;
import java.util.List;

/** RED metrics for servers built on the JDK's {@code com.sun.net.httpserver}. */
public final class JdkHttpServerInstrumentationModule extends InstrumentationModule {

  public JdkHttpServerInstrumentationModule() {
    super("http-server-jdk");
  }

  @Override
  public List<TypeInstrumentation> typeInstrumentations() {
    return Collections.singletonList(new FilterChainInstrumentation());
  }
}
