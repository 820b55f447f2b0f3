package dev.weft.instrumentation.servlet.jakarta;

import dev.weft.instrumentation.servlet.contract.ServletContainerContract;
import dev.weft.testing.WeftAgentExtension;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * servlet-jakarta in process on embedded Jetty (the version the surefire execution names, loaded
 * with the application by a class loader of its own): the contract every container meets.
 */
class JettyModuleTest extends ServletContainerContract {

  @RegisterExtension
  static final WeftAgentExtension weft = WeftAgentExtension.modules("servlet-jakarta");

  @Override
  protected WeftAgentExtension weft() {
    return weft;
  }

  @Override
  protected String module() {
    return "servlet-jakarta";
  }

  @Override
  protected String containerName() {
    return "jetty";
  }

  @Override
  protected String launcher() {
    return "dev.weft.instrumentation.servlet.jakarta.app.JettyServer";
  }
}
