package dev.weft.smoke.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code java -jar weft-agent.jar} tells the user what they have. */
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class AgentJarCliTest {

  private ServiceProcess cli;

  @AfterEach
  void stop() {
    if (cli != null) {
      cli.close();
    }
  }

  @Test
  void printsVersionAndBundledModules() {
    String version = SmokeEnv.projectVersion();
    cli = ServiceProcess.builder("AgentJarCliTest").jar(SmokeEnv.agentJar()).start();
    int exit = cli.awaitExit(Duration.ofSeconds(30));
    assertEquals(0, exit, cli.describe());

    List<String> output = new ArrayList<>(cli.stdoutLines());
    output.addAll(cli.stderrLines());
    assertTrue(output.stream().anyMatch(l -> l.contains(version)),
        "the output must contain the version " + version + "\n" + cli.describe());
    assertTrue(output.stream().anyMatch(l -> l.contains("http-server-jdk")),
        "the output must list the bundled module http-server-jdk\n" + cli.describe());
  }
}
