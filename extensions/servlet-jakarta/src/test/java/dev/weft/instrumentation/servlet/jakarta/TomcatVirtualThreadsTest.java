package dev.weft.instrumentation.servlet.jakarta;

import dev.weft.instrumentation.servlet.contract.VirtualThreadRequestsContract;
import dev.weft.testing.WeftAgentExtension;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * servlet-jakarta in process on embedded Tomcat with every request on a virtual thread (the
 * newest container on JDK 25: execution newest-jdk25).
 */
class TomcatVirtualThreadsTest extends VirtualThreadRequestsContract {

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
    return "tomcat";
  }

  @Override
  protected String launcher() {
    return "dev.weft.instrumentation.servlet.jakarta.app.TomcatServer$OnVirtualThreads";
  }
}
