package dev.weft.instrumentation.servlet.jakarta;

import dev.weft.instrumentation.servlet.contract.RedeployContract;
import dev.weft.testing.WeftAgentExtension;
import org.junit.jupiter.api.extension.RegisterExtension;

/** servlet-jakarta on embedded Jetty, deployed and undeployed again and again: nothing leaks. */
class JettyRedeployTest extends RedeployContract {

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
