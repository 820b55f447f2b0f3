package dev.weft.instrumentation.servlet.jakarta;

import dev.weft.instrumentation.servlet.contract.VirtualThreadRequestsContract;
import dev.weft.testing.WeftAgentExtension;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * servlet-jakarta in process on embedded Jetty 12 with its requests on virtual threads (the
 * newest container on JDK 25: execution newest-jdk25).
 */
class JettyVirtualThreadsTest extends VirtualThreadRequestsContract {

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
    return "dev.weft.instrumentation.servlet.jakarta.app.JettyServer$OnVirtualThreads";
  }
}
