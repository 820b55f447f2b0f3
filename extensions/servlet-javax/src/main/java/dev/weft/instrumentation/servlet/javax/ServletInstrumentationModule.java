package dev.weft.instrumentation.servlet.javax;

import io.opentelemetry.javaagent.extension.instrumentation.InstrumentationModule;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import java.util.Arrays;
import java.util.List;

/**
 * RED metrics for servlet containers: every request that reaches a container's filter chain or
 * an {@code HttpServlet}, with the servlet mapping (or Spring MVC's matched pattern) as endpoint.
 */
public final class ServletInstrumentationModule extends InstrumentationModule {

  public ServletInstrumentationModule() {
    super(ServletNames.moduleName());
  }

  @Override
  public List<TypeInstrumentation> typeInstrumentations() {
    return Arrays.asList(new FilterChainInstrumentation(), new HttpServletInstrumentation());
  }

  /**
   * Defined in the servlet API's class loader before the advice is woven there. Named as text:
   * a class literal would load the listener here, where no servlet API is.
   */
  @Override
  public List<String> getAdditionalHelperClassNames() {
    String pkg = ServletInstrumentationModule.class.getPackage().getName() + ".";
    return Arrays.asList(
        pkg + "ServletDispatch", pkg + "ServletRoutes", pkg + "ServletAsyncListener");
  }
}
